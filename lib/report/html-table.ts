/**
 * Tables for notebook output. tslab has no renderer for danfojs frames (`print()` writes an ASCII box), so
 * frames and plain row objects are rendered to a small HTML table here.
 */

export type TableValue = string | number | boolean | null | undefined;

export interface HtmlTableOptions {
  /** Decimal places for non-integer numbers (default 3). */
  digits?: number;
  caption?: string;
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function formatValue(v: TableValue, digits: number): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(digits);
  }
  return String(v);
}

export function htmlTable(columns: readonly string[], rows: readonly (readonly TableValue[])[], options: HtmlTableOptions = {}): string {
  const digits = options.digits ?? 3;
  const head = columns.map((c) => `<th style="text-align:left">${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((r) => {
      const cells = r.map((v) => {
        const align = typeof v === 'number' ? 'right' : 'left';
        return `<td style="text-align:${align}">${escapeHtml(formatValue(v, digits))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const caption = options.caption ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(options.caption)}</caption>` : '';
  return `<table style="border-collapse:collapse;font-size:90%">${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Plain objects (e.g. summary rows) as a table; columns in first-seen key order. */
export function rowsHtml(rows: readonly object[], options: HtmlTableOptions = {}): string {
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return htmlTable(
    columns,
    rows.map((r) => columns.map((c) => (r as Record<string, TableValue>)[c])),
    options,
  );
}

/** A danfojs DataFrame (anything with `columns` and row-major `values`) as a table. */
export function frameHtml(frame: { columns: string[]; values: unknown[] }, options: HtmlTableOptions = {}): string {
  const rows = frame.values.map((row) => (Array.isArray(row) ? row : [row]) as TableValue[]);
  return htmlTable(frame.columns, rows, options);
}
