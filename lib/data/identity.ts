import { createHash } from 'node:crypto';
import { sha256Hex } from '../util/hash';
import type { Dataset, DatasetItem } from './types';

/** sha256 of a memory image: its shape and its pixels, so two images only match when training sees the same. */
function memoryImageSha256(image: Extract<DatasetItem['image'], { kind: 'memory' }>): string {
  return createHash('sha256').update(`${image.width}x${image.height}x${image.channels}\n`).update(image.data).digest('hex');
}

/**
 * Completes a loaded dataset's identity: memory images get their imageSha256 (file images got theirs from the
 * loader), and `imagesHash` covers every item's id and image bytes, or is null when some file was not read.
 */
export function withImageIdentity(dataset: Dataset): Dataset {
  for (const item of dataset.items) {
    if (item.image.kind === 'memory' && item.imageSha256 === undefined) item.imageSha256 = memoryImageSha256(item.image);
  }
  const complete = dataset.items.every((item) => item.imageSha256 !== undefined);
  const lines = dataset.items.map((item) => `${item.id}\t${item.imageSha256}`).sort();
  dataset.imagesHash = complete ? sha256Hex(lines.join('\n')) : null;
  return dataset;
}
