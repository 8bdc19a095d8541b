import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DataError } from '../errors';

export interface CsvRow {
  /** 1-based line number in the file where the record starts (the header is line 1). */
  line: number;
  values: Record<string, string>;
}

export interface CsvTable {
  file: string;
  columns: string[];
  rows: CsvRow[];
  /** The file's bytes, for content hashes. */
  raw: Buffer;
}

/** Reads a CSV with a header row. Parse failures become DataErrors naming the file and line. */
export function readCsv(file: string): CsvTable {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw new DataError(`${file}: cannot read CSV (${(err as Error).message})`, { file });
  }
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(raw, {
      bom: true,
      info: true,
      relax_column_count: false,
      skip_empty_lines: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new DataError(`${file}${e.lines !== undefined ? `, line ${e.lines}` : ''}: invalid CSV (${e.message})`, {
      file,
      row: e.lines,
    });
  }
  if (records.length === 0) throw new DataError(`${file}: CSV is empty (no header row)`, { file });
  const columns = records[0]!.record.map((c) => c.trim());
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new DataError(`${file}, row 1, field "${c}": duplicate column name in header`, { file, row: 1, field: c });
    seen.add(c);
  }
  const rows: CsvRow[] = records.slice(1).map(({ record, info }) => {
    const values: Record<string, string> = {};
    columns.forEach((c, i) => {
      values[c] = record[i] ?? '';
    });
    // info.lines is the line where the record ends; for single-line records that is where it starts.
    return { line: info.lines - (countNewlines(record)), values };
  });
  return { file, columns, rows, raw };
}

function countNewlines(record: string[]): number {
  let n = 0;
  for (const field of record) for (const ch of field) if (ch === '\n') n++;
  return n;
}

/** Fails with a DataError naming the file and every missing column. */
export function requireColumns(table: CsvTable, required: string[]): void {
  const missing = required.filter((c) => !table.columns.includes(c));
  if (missing.length > 0) {
    throw new DataError(
      `${table.file}, row 1: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (header has: ${table.columns.join(', ')})`,
      { file: table.file, row: 1, field: missing[0], missing },
    );
  }
}

/** Minimal CSV field quoting (RFC 4180) for the few files we write. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
