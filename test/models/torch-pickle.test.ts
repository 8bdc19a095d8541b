/**
 * The restricted unpickler: pickles written by Python's pickle (protocols 2-5, from
 * scripts/gen-torch-checkpoints.py) decode to the same values; what a weights file must not contain is refused
 * with the file and the global named.
 */
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../lib/errors';
import { torchGlobals } from '../../lib/models/weights/torch/globals';
import { PyClass, PyObject, unpickle } from '../../lib/models/weights/torch/pickle';
import { toFloat32 } from '../../lib/models/weights/tensor-entry';
import { parseTorchCheckpoint, readTorchObject } from '../../lib/models/weights/torch/checkpoint';
import { StorageType } from '../../lib/models/weights/torch/tensor';
import { TORCH_GOLDEN } from './torch-golden';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const read = (bytes: Uint8Array, file = 'test.pkl') => unpickle(bytes, 0, { file, findGlobal: torchGlobals(file) }).value;

/** Maps to plain objects, so a decoded pickle compares with the JSON Python wrote. */
function plain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

const ascii = (s: string) => [...Buffer.from(s, 'latin1')];
/** BINUNICODE */
const str = (s: string) => [0x58, s.length, 0, 0, 0, ...ascii(s)];

/**
 * A legacy torch.save file around one object pickle: magic, protocol, sys info, the object, the storage keys,
 * then each storage's int64 element count and bytes.
 */
function legacyFile(objectPickle: number[], storages: Array<[string, number[]]> = []): Uint8Array {
  const magic = [0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
  const protocol = [0x80, 2, 0x4d, 0xe9, 0x03, 0x2e];
  const sysInfo = [0x80, 2, 0x7d, 0x2e];
  const keys = [0x80, 2, 0x5d, 0x28, ...storages.flatMap(([k]) => str(k)), 0x65, 0x2e];
  const data = storages.flatMap(([, bytes]) => {
    const count = Buffer.alloc(8);
    count.writeBigInt64LE(BigInt(bytes.length / 4));
    return [...count, ...bytes];
  });
  return Uint8Array.from([...magic, ...protocol, ...sysInfo, ...objectPickle, ...keys, ...data]);
}
/** GLOBAL 'module\nname\n' */
const global = (module: string, name: string) => [0x63, ...ascii(`${module}\n${name}\n`)];

describe('unpickle', () => {
  it.each(TORCH_GOLDEN.pickles.plain.map((p) => [p.protocol, p.hex]))('decodes Python protocol %i', (_p, h) => {
    expect(plain(read(hex(h as string)))).toEqual(TORCH_GOLDEN.pickles.plainValue);
  });

  it('decodes ints beyond 2^53 as bigint and an OrderedDict (STACK_GLOBAL, protocol 4) in order', () => {
    expect(read(hex(TORCH_GOLDEN.pickles.bigInts.hex))).toEqual(TORCH_GOLDEN.pickles.bigInts.value.map((v) => BigInt(v)));
    const ordered = read(hex(TORCH_GOLDEN.pickles.ordered.hex));
    expect(ordered).toBeInstanceOf(Map);
    expect([...(ordered as Map<string, number>).keys()]).toEqual(TORCH_GOLDEN.pickles.ordered.keys);
  });

  it.each(TORCH_GOLDEN.pickles.refused.map((p) => [p.protocol, p.hex, p.global]))(
    'refuses a pickle that would call os.system (protocol %i), naming the file and the global',
    (_p, h, name) => {
      expect(() => read(hex(h as string), 'evil.pkl')).toThrow(WeightsError);
      expect(() => read(hex(h as string), 'evil.pkl')).toThrow(new RegExp(`^evil\\.pkl: .*'${String(name).replace('.', '\\.')}'`));
    },
  );

  it('refuses builtins and REDUCE on a class it does not implement, naming them', () => {
    expect(() => read(Uint8Array.from([0x80, 2, ...global('__builtin__', 'eval'), 0x2e]))).toThrow(/'__builtin__\.eval'/);
    // collections.Counter(('a',)): a class placeholder, but REDUCE would have to call it
    const counter = [0x80, 2, ...global('collections', 'Counter'), 0x58, 1, 0, 0, 0, 0x61, 0x85, 0x85, 0x52, 0x2e];
    expect(() => read(Uint8Array.from(counter))).toThrow(/refuses to call 'collections\.Counter'/);
  });

  it('makes class instances shells (NEWOBJ + BUILD) without importing anything', () => {
    const obj = read(Uint8Array.from([0x80, 2, ...global('some.pkg', 'Thing'), 0x29, 0x81, 0x7d, 0x58, 1, 0, 0, 0, 0x78, 0x4b, 7, 0x73, 0x62, 0x2e]));
    expect(obj).toBeInstanceOf(PyObject);
    expect((obj as PyObject).cls).toEqual(new PyClass('some.pkg', 'Thing'));
    expect((obj as PyObject).state).toEqual(new Map([['x', 7]]));
  });

  it('names truncation and unknown opcodes with the byte offset', () => {
    expect(() => read(Uint8Array.from([0x80, 2, 0x58, 10, 0, 0, 0, 0x61]))).toThrow(/test\.pkl: pickle at byte 7: the data ends early/);
    expect(() => read(Uint8Array.from([0x80, 2, 0x82, 1, 0x2e]))).toThrow(/byte 2: unsupported pickle opcode 0x82/);
  });
});

describe('torch globals', () => {
  it('maps CPU and CUDA storage types to dtypes and refuses the ones it cannot read', () => {
    const find = torchGlobals('gpu.pth');
    expect(find('torch.cuda', 'HalfStorage')).toEqual(new StorageType('torch.cuda.HalfStorage', 'F16'));
    expect(find('torch', 'BFloat16Storage')).toEqual(new StorageType('torch.BFloat16Storage', 'BF16'));
    expect(() => find('torch', 'ComplexFloatStorage')).toThrow(/gpu\.pth: storage type torch\.ComplexFloatStorage is not supported/);
    expect(find('torch.nn.modules.conv', 'Conv2d')).toEqual(new PyClass('torch.nn.modules.conv', 'Conv2d'));
    expect(() => find('subprocess', 'Popen')).toThrow(/refuses the pickle global 'subprocess\.Popen'/);
  });
});

describe('checkpoint object graph', () => {
  it('refuses an object that is not an nn.Module (e.g. argparse.Namespace), naming its class', () => {
    // {'args': argparse.Namespace(lr=1)} as protocol 2 pickles it: NEWOBJ + BUILD with a plain dict
    const ns = [...global('argparse', 'Namespace'), 0x29, 0x81, 0x7d, ...str('lr'), 0x4b, 1, 0x73, 0x62];
    const file = legacyFile([0x80, 2, 0x7d, ...str('args'), ...ns, 0x73, 0x2e]);
    expect(() => readTorchObject(file, 'ns.pth')).toThrow(/ns\.pth: builds a 'argparse\.Namespace' object, which is not a torch\.nn\.Module/);
  });

  it('reads a storage view (legacy view metadata, as torch < 0.4 wrote for sliced storages)', () => {
    // {'t': _rebuild_tensor_v2(<view 'v' = storage 'k'[1:3]>, 0, (2,), (1,), False, OrderedDict())}
    const pid = [0x28, ...str('storage'), ...global('torch', 'FloatStorage'), ...str('k'), ...str('cpu'), 0x4b, 4, 0x28, ...str('v'), 0x4b, 1, 0x4b, 2, 0x74, 0x74];
    const args = [0x28, ...pid, 0x51, 0x4b, 0, 0x4b, 2, 0x85, 0x4b, 1, 0x85, 0x89, ...global('collections', 'OrderedDict'), 0x29, 0x52, 0x74];
    const tensor = [...global('torch._utils', '_rebuild_tensor_v2'), ...args, 0x52];
    const values = new Float32Array([10, 11, 12, 13]);
    const file = legacyFile([0x80, 2, 0x7d, ...str('t'), ...tensor, 0x73, 0x2e], [['k', [...new Uint8Array(values.buffer)]]]);
    const entry = parseTorchCheckpoint(file, 'view.pth').tensors.get('t')!;
    expect(entry.shape).toEqual([2]);
    expect([...toFloat32(entry)]).toEqual([11, 12]);
  });

  it("reads a module saved by torch < 1.2, whose `_backend` is pickled as a call to thnn's stub", () => {
    const emptyDict = [...global('collections', 'OrderedDict'), 0x29, 0x52];
    const backend = [...str('_backend'), ...global('torch.nn.backends.thnn', '_get_thnn_function_backend'), 0x29, 0x52];
    const state = [0x7d, 0x28, ...['_parameters', '_buffers', '_modules'].flatMap((k) => [...str(k), ...emptyDict]), ...backend, 0x75];
    const { root } = readTorchObject(legacyFile([0x80, 2, ...global('torchxrayvision.models', 'DenseNet'), 0x29, 0x81, ...state, 0x62, 0x2e]), 'old.pt');
    expect((root as PyObject).state).toBeInstanceOf(Map);
    expect(((root as PyObject).state as Map<string, unknown>).get('_backend')).toBeNull();
  });

  it('accepts a module shell and rejects a bare class reference', () => {
    const emptyDict = [...global('collections', 'OrderedDict'), 0x29, 0x52];
    const state = [0x7d, 0x28, ...['_parameters', '_buffers', '_modules'].flatMap((k) => [...str(k), ...emptyDict]), 0x75];
    const module = [...global('my.nets', 'Net'), 0x29, 0x81, ...state, 0x62, 0x2e];
    const { root } = readTorchObject(legacyFile([0x80, 2, ...module]), 'net.pth');
    expect((root as PyObject).cls.qualifiedName).toBe('my.nets.Net');
    expect(() => readTorchObject(legacyFile([0x80, 2, ...global('my.nets', 'Net'), 0x2e]), 'cls.pth')).toThrow(
      /cls\.pth: holds a bare reference to 'my\.nets\.Net'/,
    );
  });
});
