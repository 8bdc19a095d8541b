/**
 * The format `torch.save` wrote before torch 1.6 (and still writes with `_use_new_zipfile_serialization=False`),
 * which most published checkpoints from 2017-2020 use (torchvision's densenet121-a639ec97.pth,
 * TorchXRayVision's DenseNets): five pickles back to back (magic number, protocol version 1001, system info,
 * the object, the sorted list of storage keys), then for each key an int64 element count and the raw bytes.
 * Saved modules name their classes through ('module', class, source file, source) persistent ids.
 */
import { WeightsError } from '../../../errors';
import { PyClass, unpickle, type UnpickleOptions } from './pickle';
import { parseStorageId, torchGlobals } from './globals';
import { DTYPE_BYTES } from '../tensor-entry';
import { TorchStorage } from './tensor';

const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

/** Whether the bytes start like a legacy checkpoint: a protocol-2+ pickle of an int (the magic number). */
export function isLegacy(bytes: Uint8Array): boolean {
  return bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[2] === 0x8a;
}

/** Files from torch < 0.1.10 are tar archives (`storages`, `tensors`, `pickle`). */
export function isTar(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar';
}

function persistentLoader(storages: Map<string, TorchStorage>, file: string): (pid: unknown) => unknown {
  return (pid) => {
    if (Array.isArray(pid) && pid[0] === 'module') {
      if (!(pid[1] instanceof PyClass)) throw new WeightsError(`${file}: a 'module' persistent id without a class`, { file });
      return pid[1];
    }
    const id = parseStorageId(pid, file);
    let root = storages.get(id.key);
    if (!root) storages.set(id.key, (root = new TorchStorage(id.key, id.type.dtype, id.numel)));
    if (!id.view) return root;
    let view = storages.get(id.view.viewKey);
    if (!view) {
      view = new TorchStorage(id.view.viewKey, id.type.dtype, id.view.numel, { storage: root, offset: id.view.offset });
      storages.set(id.view.viewKey, view);
    }
    return view;
  };
}

function readStorages(bytes: Uint8Array, start: number, keys: unknown, storages: Map<string, TorchStorage>, file: string): void {
  if (!Array.isArray(keys)) throw new WeightsError(`${file}: the storage key list is not a list`, { file });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  for (const key of keys) {
    const storage = storages.get(String(key));
    if (!storage) throw new WeightsError(`${file}: storage '${String(key)}' has data but no tensor uses it`, { file });
    if (pos + 8 > bytes.byteLength) throw new WeightsError(`${file}: storage '${storage.key}' is missing (truncated file?)`, { file });
    const count = Number(view.getBigInt64(pos, true));
    const size = count * DTYPE_BYTES[storage.dtype];
    if (count !== storage.numel || pos + 8 + size > bytes.byteLength) {
      throw new WeightsError(
        `${file}: storage '${storage.key}' should hold ${storage.numel} elements; the file has ${count} at byte ${pos}` +
          `${pos + 8 + size > bytes.byteLength ? ' and ends before them (truncated?)' : ''}`,
        { file, key: storage.key },
      );
    }
    storage.bytes = bytes.subarray(pos + 8, pos + 8 + size);
    pos += 8 + size;
  }
}

/** The object a legacy checkpoint holds (tensors as StridedTensor over storages backed by the file). */
export function readLegacy(bytes: Uint8Array, file: string): unknown {
  const plain: UnpickleOptions = { file, findGlobal: torchGlobals(file) };
  const magic = unpickle(bytes, 0, plain);
  if (magic.value !== MAGIC_NUMBER) throw new WeightsError(`${file}: not a PyTorch checkpoint (wrong magic number)`, { file });
  const protocol = unpickle(bytes, magic.end, plain);
  if (protocol.value !== PROTOCOL_VERSION) {
    throw new WeightsError(`${file}: legacy checkpoint protocol ${String(protocol.value)} (expected ${PROTOCOL_VERSION})`, { file });
  }
  const sysInfo = unpickle(bytes, protocol.end, plain);
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new WeightsError(`${file} was saved on a big-endian machine, which this reader does not support`, { file });
  }
  const storages = new Map<string, TorchStorage>();
  const main = unpickle(bytes, sysInfo.end, { ...plain, persistentLoad: persistentLoader(storages, file) });
  const keys = unpickle(bytes, main.end, plain);
  readStorages(bytes, keys.end, keys.value, storages, file);
  return main.value;
}
