/**
 * Read PyTorch checkpoints (`torch.save` files: .pth, .pt, .bin, .ckpt) without Python: both container
 * formats (zip since torch 1.6, and the legacy one before it), state dicts, wrapped state dicts
 * (`{'state_dict': ...}`, `{'model': ...}`, `{'model_state_dict': ...}`) and whole saved nn.Modules, whose
 * `_parameters` / `_buffers` / `_modules` are walked exactly as `module.state_dict()` would. Nothing in the file
 * is executed; a file that names anything else is refused with a WeightsError naming the file and the global.
 */
import { WeightsError } from '../../../errors';
import { readWeightsFile } from '../read-file';
import type { TensorEntry } from '../tensor-entry';
import { readArchive } from './archive';
import { isLegacy, isTar, readLegacy } from './legacy';
import { PyClass, PyFunction, PyObject } from './pickle';
import { materialise, StorageType, StridedTensor } from './tensor';
import { isZip } from './zip';

export interface TorchCheckpoint {
  path: string;
  format: 'zip' | 'legacy';
  /** The state dict: parameters and persistent buffers by key, as stored (no renaming, no prefix stripping). */
  tensors: Map<string, TensorEntry>;
  /** Where the state dict was: '' for the file's top level, else the wrapping entry (`state_dict`, `model`, ...). */
  stateDictAt: string;
  /** The class of the saved module when the file holds a whole nn.Module (e.g. `torchxrayvision.models.DenseNet`). */
  moduleClass: string | null;
}

/** Entries that training scripts wrap a state dict (or a module) in, tried in this order. */
export const STATE_DICT_WRAPPERS = ['state_dict', 'model_state_dict', 'model'] as const;
const MODULE_FIELDS = ['_parameters', '_buffers', '_modules'] as const;

function isModuleState(state: unknown): state is Map<string, unknown> {
  return state instanceof Map && MODULE_FIELDS.every((k) => state.get(k) instanceof Map);
}

/** Refuse objects that are not nn.Modules and stray references to classes or functions, anywhere in the file. */
function checkObjectGraph(root: unknown, file: string): void {
  const seen = new Set<unknown>();
  const stack = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) {
      if (typeof v === 'symbol') throw new WeightsError(`${file}: holds a bare reference to torch.Tensor's type`, { file });
      continue;
    }
    seen.add(v);
    if (v instanceof PyObject) {
      if (!isModuleState(v.state)) {
        throw new WeightsError(
          `${file}: builds a '${v.cls.qualifiedName}' object, which is not a torch.nn.Module (no _parameters, ` +
            '_buffers and _modules); a weights file holds only tensors, containers and modules',
          { file, global: v.cls.qualifiedName },
        );
      }
      stack.push(v.state);
    } else if (v instanceof PyClass || v instanceof PyFunction || v instanceof StorageType) {
      const name = v instanceof PyClass ? v.qualifiedName : v.name;
      throw new WeightsError(`${file}: holds a bare reference to '${name}' (only tensors, containers and modules are read)`, {
        file,
        global: name,
      });
    } else if (v instanceof Map) {
      for (const [k, x] of v) stack.push(k, x);
    } else if (Array.isArray(v) || v instanceof Set) {
      for (const x of v) stack.push(x);
    }
  }
}

function tensorAt(v: unknown, key: string, file: string): StridedTensor {
  if (!(v instanceof StridedTensor)) throw new WeightsError(`${file}: '${key}' is not a tensor`, { file, key });
  return v;
}

/** `module.state_dict()` of a saved module: parameters, persistent buffers, then children, depth first. */
function moduleStateDict(obj: PyObject, file: string, prefix = '', out = new Map<string, StridedTensor>()): Map<string, StridedTensor> {
  const state = obj.state as Map<string, unknown>; // checked by checkObjectGraph
  const nonPersistent = state.get('_non_persistent_buffers_set');
  const skip = nonPersistent instanceof Set ? nonPersistent : new Set();
  for (const [name, t] of state.get('_parameters') as Map<string, unknown>) {
    if (t !== null) out.set(prefix + name, tensorAt(t, prefix + name, file));
  }
  for (const [name, t] of state.get('_buffers') as Map<string, unknown>) {
    if (t !== null && !skip.has(name)) out.set(prefix + name, tensorAt(t, prefix + name, file));
  }
  for (const [name, child] of state.get('_modules') as Map<string, unknown>) {
    if (child === null) continue;
    if (!(child instanceof PyObject)) throw new WeightsError(`${file}: submodule '${prefix}${name}' is not a module`, { file });
    moduleStateDict(child, file, `${prefix}${name}.`, out);
  }
  return out;
}

interface Found {
  tensors: Map<string, StridedTensor>;
  at: string;
  moduleClass: string | null;
}

function isTensorDict(v: Map<unknown, unknown>): v is Map<string, StridedTensor> {
  return [...v].every(([k, t]) => typeof k === 'string' && t instanceof StridedTensor);
}

function findStateDict(root: unknown, file: string): Found {
  if (root instanceof PyObject) return { tensors: moduleStateDict(root, file), at: '', moduleClass: root.cls.qualifiedName };
  if (root instanceof Map) {
    if (isTensorDict(root)) return { tensors: root, at: '', moduleClass: null };
    const wrapper = STATE_DICT_WRAPPERS.find((k) => root.has(k));
    if (wrapper) {
      const inner = findStateDict(root.get(wrapper), file);
      return { ...inner, at: inner.at ? `${wrapper}.${inner.at}` : wrapper };
    }
    const keys = [...root.keys()].slice(0, 8).map(String).join(', ');
    throw new WeightsError(
      `${file}: no state dict found: a dict with keys [${keys}] that are not all tensors and has no ` +
        `${STATE_DICT_WRAPPERS.map((k) => `'${k}'`).join(' / ')} entry`,
      { file },
    );
  }
  throw new WeightsError(`${file}: holds a ${Array.isArray(root) ? 'list' : typeof root}, not a state dict or a module`, { file });
}

/** The object a torch.save file holds, as plain data (tensors as StridedTensor), after the safety checks. */
export function readTorchObject(bytes: Uint8Array, path: string): { format: 'zip' | 'legacy'; root: unknown } {
  let format: 'zip' | 'legacy';
  let root: unknown;
  if (isZip(bytes)) [format, root] = ['zip', readArchive(bytes, path)];
  else if (isLegacy(bytes)) [format, root] = ['legacy', readLegacy(bytes, path)];
  else if (isTar(bytes)) {
    throw new WeightsError(`${path}: a tar checkpoint from PyTorch < 0.1.10, which this reader does not load`, { file: path });
  } else {
    throw new WeightsError(
      `${path}: neither a torch.save zip archive (torch >= 1.6) nor a legacy torch.save file ` +
        '(a safetensors file must be named *.safetensors)',
      { file: path },
    );
  }
  checkObjectGraph(root, path);
  return { format, root };
}

export function parseTorchCheckpoint(bytes: Uint8Array, path: string): TorchCheckpoint {
  const { format, root } = readTorchObject(bytes, path);
  const found = findStateDict(root, path);
  const tensors = new Map<string, TensorEntry>();
  for (const [key, t] of found.tensors) tensors.set(key, materialise(t, key, path));
  return { path, format, tensors, stateDictAt: found.at, moduleClass: found.moduleClass };
}

/** Read a PyTorch checkpoint file's state dict. Throws WeightsError naming the file on anything unexpected. */
export function readTorchCheckpoint(path: string): TorchCheckpoint {
  return parseTorchCheckpoint(readWeightsFile(path, 'PyTorch checkpoint'), path);
}
