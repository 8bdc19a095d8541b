/**
 * The format `torch.save` writes since torch 1.6: a zip archive `<prefix>/data.pkl` (the pickled object, whose
 * storages are persistent ids) plus one record `<prefix>/data/<key>` per storage. The prefix is whatever
 * the file was called when saved (`archive`, `resnet50-0676ba61`, ...).
 */
import { WeightsError } from '../../../errors';
import { parseStorageId, torchGlobals } from './globals';
import { unpickle } from './pickle';
import { TorchStorage } from './tensor';
import { readZip } from './zip';

function archivePrefix(names: string[], file: string): string {
  const pickle = names.find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickle) return pickle.slice(0, -'/data.pkl'.length);
  const shown = names.slice(0, 6).join(', ');
  throw new WeightsError(`${file}: a zip archive without <name>/data.pkl, so not a torch.save file (entries: ${shown})`, { file });
}

/** The object a zip-format checkpoint holds (tensors as StridedTensor over storages backed by the file). */
export function readArchive(bytes: Uint8Array, file: string): unknown {
  const entries = readZip(bytes, file);
  const prefix = archivePrefix([...entries.keys()], file);
  if (entries.has(`${prefix}/constants.pkl`)) {
    throw new WeightsError(
      `${file} is a TorchScript archive (torch.jit.save), which this reader does not load: in Python, save ` +
        'its weights with torch.save(model.state_dict(), path) and load that file',
      { file },
    );
  }
  const byteorder = entries.get(`${prefix}/byteorder`);
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new WeightsError(`${file} was saved on a big-endian machine, which this reader does not support`, { file });
  }
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown): TorchStorage => {
    const id = parseStorageId(pid, file);
    let storage = storages.get(id.key);
    if (!storage) {
      storage = new TorchStorage(id.key, id.type.dtype, id.numel);
      const record = `${prefix}/data/${id.key}`;
      storage.bytes = entries.get(record) ?? null;
      if (!storage.bytes) throw new WeightsError(`${file}: storage record '${record}' is missing`, { file, key: record });
      storages.set(id.key, storage);
    }
    return storage;
  };
  return unpickle(entries.get(`${prefix}/data.pkl`)!, 0, { file, findGlobal: torchGlobals(file), persistentLoad }).value;
}
