/**
 * Tables for notebook output. tslab has no renderer for danfojs frames (`print()` writes an ASCII box), so
 * frames and plain row objects are rendered to a small HTML table here.
 */

export type TableValue = string | number | boolean | null | undefined;

export interface HtmlTableOptions {
  /** Decimal places for non-integer numbers (default 3). */
  digits?: number;
  /** A title above the table, as wide as the output (a table caption would wrap to the table's width). */
  caption?: string;
  /** Header text per column key, for keys that are field names rather than words (`randomAuroc` -> `random AUROC`). */
  headers?: Readonly<Record<string, string>>;
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
  const headerOf = (c: string): string => options.headers?.[c] ?? c;
  const head = columns.map((c) => `<th style="text-align:left">${escapeHtml(headerOf(c))}</th>`).join('');
  const body = rows
    .map((r) => {
      const cells = r.map((v) => {
        const align = typeof v === 'number' ? 'right' : 'left';
        return `<td style="text-align:${align}">${escapeHtml(formatValue(v, digits))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const table = `<table style="border-collapse:collapse;font-size:90%"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
  if (!options.caption) return table;
  const caption = `<div style="font-weight:bold;margin:0.6em 0 0.2em">${escapeHtml(options.caption)}</div>`;
  return `<div class="rethink-table">${caption}${table}</div>`;
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
