import { DataError } from '../errors';
import type { Dataset } from './types';

/** What a loader does with a bad row: stop (the default) or skip it and list it in `Dataset.skipped`. */
export type OnBadRow = 'fail' | 'skip';

export interface BadRow {
  file?: string;
  row?: number;
  field?: string;
  reason: string;
}

/** Formats a location as "file, row 12, field "Edema"" so every data error reads the same way. */
export function describeLocation(where: { file?: string; row?: number; field?: string }): string {
  const parts: string[] = [];
  if (where.file !== undefined) parts.push(where.file);
  if (where.row !== undefined) parts.push(`row ${where.row}`);
  if (where.field !== undefined) parts.push(`field "${where.field}"`);
  return parts.join(', ');
}

export function dataError(bad: BadRow): DataError {
  const where = describeLocation(bad);
  return new DataError(where ? `${where}: ${bad.reason}` : bad.reason, {
    file: bad.file,
    row: bad.row,
    field: bad.field,
  });
}

/**
 * Collects bad rows for one load. Under 'fail' the first bad row throws; under 'skip' it is recorded, so the
 * caller can drop the row and the dataset still says what was dropped and why.
 */
export class BadRowCollector {
  readonly skipped: Dataset['skipped'] = [];
  constructor(readonly mode: OnBadRow = 'fail') {}

  /** Throws under 'fail'; under 'skip' records the row. Returns nothing: the caller must then drop the row. */
  report(bad: BadRow): void {
    if (this.mode === 'fail') throw dataError(bad);
    const where = describeLocation({ field: bad.field });
    this.skipped.push({
      row: bad.row,
      file: bad.file,
      reason: where ? `${where}: ${bad.reason}` : bad.reason,
    });
  }
}
