import * as path from 'node:path';
import { z } from 'zod';
import { typedSchema } from '../../util/schema';
import { ConfigError } from '../../errors';
import { BadRowCollector, type OnBadRow } from '../bad-rows';
import { canonicalJson, sha256Hex } from '../../util/hash';
import { sha256File } from '../hash';
import { loadManifest } from '../manifest';
import { readNpz } from '../npy';
import type { Dataset, DatasetItem } from '../types';

export type MedmnistVariant = 'pneumoniamnist' | 'chestmnist';

export interface MedmnistOptions {
  /** The .npz file, e.g. ~/.medmnist/pneumoniamnist.npz. */
  file: string;
  variant: MedmnistVariant;
  split: 'train' | 'val' | 'test';
  /** ChestMNIST label subset (default: all 14). */
  labels?: string[];
  onBadRow?: OnBadRow;
}

export const medmnistOptionsShape = z.strictObject({
  file: z.string().min(1),
  variant: z.enum(['pneumoniamnist', 'chestmnist']),
  split: z.enum(['train', 'val', 'test']),
  labels: z.array(z.string().min(1)).min(1).optional(),
  onBadRow: z.enum(['fail', 'skip']).optional(),
});
export const medmnistOptions = typedSchema<MedmnistOptions>(medmnistOptionsShape);

/** Label order from MedMNIST's medmnist/info.py. */
export const MEDMNIST_LABELS: Record<MedmnistVariant, string[]> = {
  pneumoniamnist: ['pneumonia'],
  chestmnist: [
    'atelectasis', 'cardiomegaly', 'effusion', 'infiltration', 'mass', 'nodule', 'pneumonia', 'pneumothorax',
    'consolidation', 'edema', 'emphysema', 'fibrosis', 'pleural', 'hernia',
  ],
};

/** Reads a MedMNIST .npz directly (no Python); items are in-memory images, one per array row. */
export async function loadMedmnist(options: MedmnistOptions): Promise<Dataset> {
  const { manifest, sha256: manifestSha } = loadManifest('medmnist');
  const allLabels = MEDMNIST_LABELS[options.variant];
  const labelNames = options.labels ?? allLabels;
  const labelIndex = labelNames.map((name) => {
    const i = allLabels.indexOf(name);
    if (i < 0) throw new ConfigError(`medmnist: unknown ${options.variant} label "${name}" (available: ${allLabels.join(', ')})`, { field: 'labels', key: name });
    return i;
  });
  const file = path.resolve(options.file);
  const imagesKey = `${options.split}_images`;
  const labelsKey = `${options.split}_labels`;
  const arrays = readNpz(file, [imagesKey, labelsKey]);
  const images = arrays[imagesKey]!;
  const labels = arrays[labelsKey]!;
  const [n, height, width, channels = 1] = images.shape;
  if (images.dtype.slice(-2) !== 'u1' || n === undefined || height === undefined || width === undefined || (channels !== 1 && channels !== 3)) {
    throw new ConfigError(`${file}: ${imagesKey} must be uint8 N x H x W (x 1|3), got ${images.dtype} (${images.shape.join(', ')})`, { file, key: imagesKey });
  }
  const numLabels = labels.shape[1] ?? 1;
  if (labels.shape[0] !== n || numLabels !== allLabels.length) {
    throw new ConfigError(`${file}: ${labelsKey} has shape (${labels.shape.join(', ')}), expected (${n}, ${allLabels.length})`, { file, key: labelsKey });
  }
  const bad = new BadRowCollector(options.onBadRow);
  const pixels = images.data as Uint8Array;
  const stride = height * width * channels;
  const items: DatasetItem[] = [];
  for (let i = 0; i < n; i++) {
    const row = labelIndex.map((j) => labels.data[i * numLabels + j]!);
    const badAt = row.findIndex((v) => v !== 0 && v !== 1);
    if (badAt >= 0) {
      bad.report({ file, row: i, field: `${labelsKey}[${labelNames[badAt]}]`, reason: `label value ${row[badAt]} is not 0 or 1` });
      continue;
    }
    items.push({
      id: `${options.variant}-${options.split}-${i}`,
      image: { kind: 'memory', width, height, channels: channels as 1 | 3, data: pixels.subarray(i * stride, (i + 1) * stride) },
      labels: row,
      sourceSplit: options.split,
    });
  }
  return {
    id: manifest.id,
    title: `${options.variant} (${options.split})`,
    labelNames: [...labelNames],
    items,
    synthetic: false,
    contentHash: sha256Hex(canonicalJson({ manifest: manifestSha, npz: await sha256File(file), variant: options.variant, split: options.split, labelNames })),
    skipped: bad.skipped,
  };
}
