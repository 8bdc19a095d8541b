/**
 * Validation and grouping of report cells, shared by the conclusions, the tables and the bar charts.
 */
import { ReportInputError } from './errors';
import { contenderName, formatFraction } from './labels';
import type { CellResult } from './types';

/** Everything that identifies a bar; two cells with the same key are the same bar listed twice. */
export function cellKey(c: CellResult): string {
  return [c.figure, contenderName(c), formatFraction(c.fraction), c.label, c.metric].join(' | ');
}

/**
 * Reject cells the report could only misreport: duplicates, 'ok' cells without a finite mean in [0, 1], negative
 * or non-finite spreads, run counts below 1. Messages name the bar.
 */
export function validateCells(cells: readonly CellResult[]): void {
  const seen = new Set<string>();
  for (const c of cells) {
    const key = cellKey(c);
    if (seen.has(key)) throw new ReportInputError(`bar listed twice: ${key}`, { key });
    seen.add(key);
    if (c.status !== 'ok' && c.status !== 'unavailable' && c.status !== 'failed') {
      throw new ReportInputError(`${key}: status must be ok, unavailable or failed, got '${String(c.status)}'`, {
        key,
        field: 'status',
      });
    }
    if (c.status !== 'ok') continue;
    if (!Number.isFinite(c.mean) || c.mean < 0 || c.mean > 1) {
      throw new ReportInputError(`${key}: mean must be in [0, 1] for an 'ok' bar, got ${c.mean}`, { key, field: 'mean' });
    }
    if (!Number.isFinite(c.spread) || c.spread < 0) {
      throw new ReportInputError(`${key}: spread must be a finite number >= 0, got ${c.spread}`, { key, field: 'spread' });
    }
    if (!Number.isInteger(c.n) || c.n < 1) {
      throw new ReportInputError(`${key}: n must be an integer >= 1 for an 'ok' bar, got ${c.n}`, { key, field: 'n' });
    }
    if (c.fraction !== undefined && !(c.fraction > 0 && c.fraction <= 1)) {
      throw new ReportInputError(`${key}: fraction must be in (0, 1], got ${c.fraction}`, { key, field: 'fraction' });
    }
  }
}

/** Group in first-seen order (Map keeps insertion order), so output follows the order cells were given in. */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Distinct values in first-seen order. */
export function distinct<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** A legend-sized reason: the part before any parenthesised detail, at most 48 characters. */
export function shortReason(reason: string): string {
  const head = reason.split(' (')[0].trim();
  return head.length > 48 ? `${head.slice(0, 47)}…` : head;
}

/** A path in or to rethink-tl's weights cache (`~/.cache/rethink-tl/weights/...`, `$XDG_CACHE_HOME/...`). */
const WEIGHTS_CACHE_PATH = /(?:~|\/)[^\s;()'"`]*?\/rethink-tl\/weights(?:\/[^\s;()'"`]*)?/g;

/**
 * A run's reason as a reader sees it: the weights cache named as such instead of the path to it on the machine
 * that made the run (`~/.cache/...` means nothing in a reader's clone, and the page check flags it).
 */
export function readerReason(reason: string): string {
  return reason
    .replace(new RegExp(`not found (?:at|in) ${WEIGHTS_CACHE_PATH.source}`, 'g'), 'not in the weights cache')
    .replace(WEIGHTS_CACHE_PATH, 'the weights cache');
}

/**
 * "status: reason" for text, without repeating the status when the reason already starts with it; 'short' keeps
 * only the head of the reason (tables and lists that repeat it per bar, where the figure's caption has it whole).
 */
export function statusText(status: string, reason?: string, form: 'full' | 'short' = 'full'): string {
  if (!reason) return status;
  const text = form === 'short' ? shortReason(reason) : readerReason(reason);
  return text.startsWith(status) ? text : `${status}: ${text}`;
}
