/**
 * The image half of a run's data identity. Run config hashes cover the label file and options (contentHash)
 * but not the image bytes, so that the hashes of runs stored before images were hashed stay valid; instead each
 * record carries `provenance.dataset.imagesHash`, and these checks refuse to mix runs on different bytes.
 */
import type { Dataset } from '../data/index';
import { DataError } from '../errors';
import type { RunRecord, RunSpec } from './types';

/** In the process that trains: the images it loaded must be the ones the plan saw. */
export function assertPlannedImages(dataset: Dataset, spec: RunSpec): void {
  const planned = spec.imagesHash;
  const here = dataset.imagesHash ?? null;
  if (planned && here && planned !== here) {
    throw new DataError(`dataset '${dataset.id}': its images changed since the run was planned (images hash ${here} != ${planned})`, {
      field: 'imagesHash',
    });
  }
}

/**
 * Before a grid trains: finished runs in the store whose records name other image bytes than the data here
 * would otherwise count as done for this data. Records without an images hash (made before it existed) and
 * data whose images were not read (imageCheck 'none') cannot be compared and pass.
 */
export function assertStoredRunsMatchImages(dataset: Dataset, finished: RunRecord[], storeDir: string): void {
  const here = dataset.imagesHash;
  if (!here) return;
  const others = finished.filter((r) => {
    const stored = r.provenance?.dataset.imagesHash;
    return typeof stored === 'string' && stored !== here;
  });
  if (others.length === 0) return;
  const example = others[0]!;
  throw new DataError(
    `${storeDir}: ${others.length} finished run${others.length > 1 ? 's' : ''} of this grid (e.g. ${example.grid} ${example.cellName} ` +
      `fraction ${example.config.fraction} seed ${example.seed}) used other image bytes of dataset '${dataset.id}' ` +
      `(images hash ${example.provenance!.dataset.imagesHash!.slice(0, 12)}…, the images here hash to ${here.slice(0, 12)}…): ` +
      'the images changed or are a different copy. Restore the images those runs used, or use another --store',
    { field: 'imagesHash', file: storeDir },
  );
}
