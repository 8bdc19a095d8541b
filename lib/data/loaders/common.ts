import { z } from 'zod';
import { ConfigError } from '../../errors';
import type { OnBadRow } from '../bad-rows';
import type { ImageCheck } from '../image-check';

/** Options every file-based loader accepts. */
export interface CommonLoadOptions {
  /** 'fail' (default) stops at the first bad row; 'skip' drops bad rows and lists them in `Dataset.skipped`. */
  onBadRow?: OnBadRow;
  /** How hard to check image files at load time (default 'exists'). */
  imageCheck?: ImageCheck;
}

/** Schema fields of CommonLoadOptions, spread into each file-based loader's options schema. */
export const commonLoadOptionsShape = {
  onBadRow: z.enum(['fail', 'skip'] satisfies OnBadRow[]).optional(),
  imageCheck: z.enum(['none', 'exists', 'decode'] satisfies ImageCheck[]).optional(),
};

/** A non-empty list of names (labels, columns, views). */
export const nameList = z.array(z.string().min(1)).min(1);

/** Picks label columns by name, keeping the caller's order, and rejects names the source does not have. */
export function selectLabels(requested: string[] | undefined, available: readonly string[], fallback: readonly string[], what: string): string[] {
  const labels = requested ?? [...fallback];
  if (labels.length === 0) throw new ConfigError(`${what}: labels must not be empty`, { field: 'labels' });
  const unknown = labels.filter((l) => !available.includes(l));
  if (unknown.length > 0) {
    throw new ConfigError(`${what}: unknown label${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} (available: ${available.join(', ')})`, {
      field: 'labels',
      key: unknown[0],
    });
  }
  if (new Set(labels).size !== labels.length) throw new ConfigError(`${what}: labels contain duplicates`, { field: 'labels' });
  return labels;
}
