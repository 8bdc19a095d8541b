/**
 * Frozen-backbone features on disk, so a linear probe computes them once per (backbone, weights, pipeline,
 * dataset) and every fraction, seed and C reuses them. One file per key: the item ids and one float32 matrix per
 * pooled output, written atomically; a file that does not decode, or whose ids differ from the ones asked for,
 * is recomputed, never trusted.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeArrays, encodeArrays, writeFileAtomic } from './files';
import type { FeatureMatrix } from './linear-probe';

/** The cache key: sha256 of the JSON of everything that determines the features. */
export function featureCacheKey(identity: Record<string, unknown>): string {
  const sorted = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sorted);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, sorted((value as Record<string, unknown>)[k])]));
    }
    return value;
  };
  return createHash('sha256').update(JSON.stringify(sorted(identity))).digest('hex');
}

interface CachedFeatures {
  ids: string[];
  dims: number[];
  values: Float32Array[];
}

function cacheFile(dir: string, key: string): string {
  return path.join(dir, `${key}.features`);
}

/** The cached matrices for `ids` (rows in that order), or null when absent, unreadable or for other items. */
export function readFeatureCache(dir: string, key: string, ids: string[]): CachedFeatures | null {
  const file = cacheFile(dir, key);
  if (!fs.existsSync(file)) return null;
  try {
    const arrays = decodeArrays(fs.readFileSync(file), file);
    const meta = JSON.parse(Buffer.from(arrays[0]!.values.buffer).toString('utf8').replace(/\0+$/, '')) as { ids: string[]; dims: number[] };
    if (meta.ids.length !== ids.length || meta.ids.some((id, i) => id !== ids[i])) return null;
    const values = arrays.slice(1).map((a) => a.values);
    if (values.length !== meta.dims.length || values.some((v, k) => v.length !== ids.length * meta.dims[k]!)) return null;
    return { ids: meta.ids, dims: meta.dims, values };
  } catch {
    return null;
  }
}

/** Stores the matrices (all for the same rows) under `key`. */
export function writeFeatureCache(dir: string, key: string, matrices: FeatureMatrix[]): void {
  const ids = matrices[0]?.ids ?? [];
  const metaBytes = Buffer.from(JSON.stringify({ ids, dims: matrices.map((m) => m.dim) }), 'utf8');
  const padded = new Uint8Array(Math.ceil(metaBytes.length / 4) * 4);
  padded.set(metaBytes);
  const arrays = [
    { name: 'meta', values: new Float32Array(padded.buffer) },
    ...matrices.map((m, k) => ({ name: `features${k}`, values: m.values })),
  ];
  writeFileAtomic(cacheFile(dir, key), encodeArrays(arrays));
}
