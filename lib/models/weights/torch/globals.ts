/**
 * The only pickle globals a PyTorch checkpoint may name, and what each becomes here:
 * - tensor rebuild functions (`torch._utils._rebuild_tensor_v2`, `_rebuild_parameter`, ...) -> StridedTensor;
 * - storage types (`torch.FloatStorage`, `torch.cuda.HalfStorage`, ...) -> StorageType;
 * - containers (`collections.OrderedDict`, `builtins.set`, `torch.Size`) -> Map / Set / array;
 * - classes (`torch.nn.modules.conv.Conv2d`, `torchvision.models.densenet.DenseNet`, a third party's
 *   `torchxrayvision.models.DenseNet`) -> PyClass placeholders, never imported; checkpoint.ts later requires
 *   every instance to be shaped like an nn.Module (`_parameters`, `_buffers`, `_modules`).
 * Anything else (`os.system`, `builtins.eval`, numpy reconstructors, ...) is refused, naming the file and global.
 */
import { WeightsError } from '../../../errors';
import { PyClass, PyFunction, PyObject, describePy } from './pickle';
import { STORAGE_DTYPES, StorageType, StridedTensor, TorchStorage } from './tensor';

/** Python 2 and old torch module names, as torch.load maps them. */
const MODULE_ALIASES: Record<string, string> = {
  __builtin__: 'builtins',
  copy_reg: 'copyreg',
  'torch.tensor': 'torch._tensor',
};

/**
 * Modules whose classes no weights file needs. Nothing a file names is ever run, so this only makes the
 * error come early and name the culprit.
 */
const REFUSED_MODULES = new Set([
  'builtins', 'os', 'posix', 'nt', 'sys', 'subprocess', 'shutil', 'socket', 'importlib', 'pickle', '_pickle',
  'marshal', 'codecs', 'io', 'runpy', 'types', 'ctypes', 'pty', 'code', 'pdb', 'multiprocessing', 'threading',
  'asyncio', 'webbrowser', 'tempfile', 'pathlib', 'functools', 'operator', 'itertools',
]);

/** torch.Tensor / nn.Parameter as `_rebuild_from_type_v2`'s type argument. */
const TENSOR_TYPE = Symbol('torch.Tensor');

type Refuse = (message: string) => never;

function tensorFrom(args: unknown[], fn: string, refuse: Refuse): StridedTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof TorchStorage)) refuse(`${fn} got a ${describePy(storage)} instead of a storage`);
  if (!Array.isArray(size) || !Array.isArray(stride)) refuse(`${fn} got a size or stride that is not a tuple`);
  return new StridedTensor(storage, offset as number, size as number[], stride as number[]);
}

function tensorArg(v: unknown, fn: string, refuse: Refuse): StridedTensor {
  if (!(v instanceof StridedTensor)) refuse(`${fn} got a ${describePy(v)} instead of a tensor`);
  return v;
}

function functions(refuse: Refuse): Record<string, (args: unknown[]) => unknown> {
  return {
    'torch._utils._rebuild_tensor': (a) => tensorFrom(a, '_rebuild_tensor', refuse),
    'torch._utils._rebuild_tensor_v2': (a) => tensorFrom(a, '_rebuild_tensor_v2', refuse),
    'torch._utils._rebuild_parameter': (a) => tensorArg(a[0], '_rebuild_parameter', refuse),
    'torch._utils._rebuild_parameter_with_state': (a) => tensorArg(a[0], '_rebuild_parameter_with_state', refuse),
    'torch._tensor._rebuild_from_type_v2': ([fn, type, args]) => {
      if (!(fn instanceof PyFunction) || type !== TENSOR_TYPE || !Array.isArray(args)) {
        refuse(`_rebuild_from_type_v2 of a ${describePy(type)} (only plain tensors and parameters are read)`);
      }
      return fn.call(args);
    },
    'collections.OrderedDict': ([pairs]) => new Map(Array.isArray(pairs) ? (pairs as Array<[unknown, unknown]>) : []),
    'builtins.set': ([items]) => new Set(Array.isArray(items) ? items : []),
    'builtins.frozenset': ([items]) => new Set(Array.isArray(items) ? items : []),
    'torch.Size': ([dims]) => (Array.isArray(dims) ? [...dims] : refuse('torch.Size of a non-tuple')),
    // Modules saved by torch < 1.2 carry `_backend`, pickled as a call to this function; torch keeps it, returning
    // None, only so that such files load.
    'torch.nn.backends.thnn._get_thnn_function_backend': () => null,
    'copyreg._reconstructor': ([cls]) => {
      if (!(cls instanceof PyClass)) refuse(`copyreg._reconstructor of a ${describePy(cls)}`);
      return new PyObject(cls);
    },
  };
}

const looksLikeClass = (name: string) => /^_*[A-Z]\w*$/.test(name);

/** The `findGlobal` of the unpickler for one checkpoint file. */
export function torchGlobals(file: string): (module: string, name: string) => unknown {
  const refuse: Refuse = (message) => {
    throw new WeightsError(`${file}: ${message}`, { file });
  };
  const table = functions(refuse);
  return (rawModule, name) => {
    const module = MODULE_ALIASES[rawModule] ?? rawModule;
    const qualified = `${module}.${name}`;
    const fn = table[qualified];
    if (fn) return new PyFunction(qualified, fn);
    if ((module === 'torch' || module === 'torch.cuda') && name.endsWith('Storage')) {
      const dtype = STORAGE_DTYPES[name];
      if (!dtype) refuse(`storage type ${qualified} is not supported (${Object.keys(STORAGE_DTYPES).join(', ')})`);
      return new StorageType(qualified, dtype);
    }
    if (qualified === 'torch._tensor.Tensor' || qualified === 'torch.nn.parameter.Parameter') return TENSOR_TYPE;
    if (looksLikeClass(name) && !REFUSED_MODULES.has(module.split('.')[0]!)) return new PyClass(module, name);
    return refuse(
      `refuses the pickle global '${rawModule}.${name}': a weights file needs only tensors, storages, ` +
        'containers and torch.nn.Module classes, and this reader never runs code a file names',
    );
  };
}

export interface StorageId {
  type: StorageType;
  key: string;
  numel: number;
  /** Legacy files: this storage is a slice [offset, offset + numel) of storage `key`, itself named `viewKey`. */
  view: { viewKey: string; offset: number; numel: number } | null;
}

/** torch.save's persistent id of a storage: ('storage', type, key, location, numel[, view metadata]). */
export function parseStorageId(pid: unknown, file: string): StorageId {
  const bad = (why: string): never => {
    throw new WeightsError(`${file}: persistent id ${why}`, { file });
  };
  if (!Array.isArray(pid) || pid[0] !== 'storage') return bad(`of a ${Array.isArray(pid) ? `'${String(pid[0])}'` : describePy(pid)} (expected a storage)`);
  const [, type, key, , numel, view] = pid as unknown[];
  if (!(type instanceof StorageType)) return bad(`names a ${describePy(type)} instead of a storage type`);
  if (typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    return bad(`of storage '${String(key)}' has an invalid key or size`);
  }
  if (view === undefined || view === null) return { type, key, numel, view: null };
  const [viewKey, offset, viewNumel] = Array.isArray(view) ? view : [];
  if (typeof viewKey !== 'string' || typeof offset !== 'number' || typeof viewNumel !== 'number') {
    return bad(`of storage '${key}' has invalid view metadata`);
  }
  return { type, key, numel, view: { viewKey, offset, numel: viewNumel } };
}
