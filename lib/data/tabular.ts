import { BadRowCollector } from './bad-rows';
import type { CsvRow, CsvTable } from './csv';
import { DataError } from '../errors';
import { hashFiles } from './file-hashes';
import { checkImageFiles, type ImageCheck } from './image-check';
import { applyLabelPolicy, type LabelPolicy } from './label-policy';
import { locateInsideRoot } from './paths';
import type { DatasetItem } from './types';

/** How one CSV row becomes one item; shared by the CheXpert, COVID and generic CSV loaders. */
export interface TabularSpec {
  table: CsvTable;
  root: string;
  pathColumn: string;
  labelColumns: string[];
  policy: LabelPolicy;
  imageCheck: ImageCheck;
  bad: BadRowCollector;
  /** Rewrites the path cell before it is resolved under root (e.g. strips 'CheXpert-v1.0-small/'). */
  mapPath?: (cell: string) => string;
  /** Item id from the row; defaults to the (mapped) relative path. */
  idOf?: (row: CsvRow, relPath: string) => string;
  patientOf?: (row: CsvRow, relPath: string) => string | undefined;
  viewOf?: (row: CsvRow) => string | undefined;
  sourceSplitOf?: (row: CsvRow) => string | undefined;
  /** Rows for which this returns false are filtered out on purpose (a view filter the caller asked for). */
  keep?: (row: CsvRow) => boolean;
}

export async function itemsFromTable(spec: TabularSpec): Promise<DatasetItem[]> {
  const { table, bad } = spec;
  if (table.rows.length === 0) throw new DataError(`${table.file}: the CSV has a header but no rows`, { file: table.file });
  const withMask = spec.policy === 'u-ignore';
  const candidates: Array<{ item: DatasetItem; row: CsvRow }> = [];
  const seenIds = new Map<string, number>();

  rows: for (const row of table.rows) {
    if (spec.keep && !spec.keep(row)) continue;
    const cell = row.values[spec.pathColumn] ?? '';
    const relPath = spec.mapPath ? spec.mapPath(cell) : cell;
    if (relPath.trim() === '') {
      bad.report({ file: table.file, row: row.line, field: spec.pathColumn, reason: 'image path is empty' });
      continue;
    }
    const located = locateInsideRoot(spec.root, relPath);
    if ('reason' in located) {
      bad.report({ file: table.file, row: row.line, field: spec.pathColumn, reason: located.reason });
      continue;
    }
    const labels: number[] = [];
    const mask: number[] = [];
    for (const column of spec.labelColumns) {
      const result = applyLabelPolicy(row.values[column] ?? '', spec.policy);
      if ('error' in result) {
        bad.report({ file: table.file, row: row.line, field: column, reason: result.error });
        continue rows;
      }
      labels.push(result.label);
      mask.push(result.counts ? 1 : 0);
    }
    const id = spec.idOf ? spec.idOf(row, relPath) : relPath;
    const firstLine = seenIds.get(id);
    if (firstLine !== undefined) {
      bad.report({
        file: table.file,
        row: row.line,
        field: spec.pathColumn,
        reason: `duplicate id "${id}" (first seen at row ${firstLine})`,
      });
      continue;
    }
    seenIds.set(id, row.line);
    const item: DatasetItem = { id, image: { kind: 'file', path: located.path }, labels, origin: { file: table.file, row: row.line } };
    if (withMask) item.mask = mask;
    const patientId = spec.patientOf?.(row, relPath);
    if (patientId !== undefined && patientId !== '') item.patientId = patientId;
    const view = spec.viewOf?.(row);
    if (view !== undefined && view !== '') item.view = view;
    const sourceSplit = spec.sourceSplitOf?.(row);
    if (sourceSplit !== undefined && sourceSplit !== '') item.sourceSplit = sourceSplit;
    candidates.push({ item, row });
  }

  const items = await checkedImages(spec, candidates);
  if (items.length === 0) throw new DataError(`${table.file}: no usable rows (${whyEmpty(spec, candidates.length)})`, { file: table.file });
  return items;
}

/**
 * The candidates whose image passes the check, with its sha256 (unless imageCheck is 'none'): one read of each
 * file's bytes, cached by size and mtime (file-hashes.ts), which also proves the file is there and readable.
 */
async function checkedImages(spec: TabularSpec, candidates: Array<{ item: DatasetItem; row: CsvRow }>): Promise<DatasetItem[]> {
  const files = candidates.map((c) => (c.item.image as { path: string }).path);
  const decodeProblems = spec.imageCheck === 'decode' ? await checkImageFiles(files, 'decode') : [];
  const hashes = spec.imageCheck === 'none' ? [] : await hashFiles(spec.root, files);
  const items: DatasetItem[] = [];
  candidates.forEach((c, i) => {
    const hash = hashes[i];
    const problem = decodeProblems[i] ?? (hash && 'error' in hash ? `${hash.error}: ${files[i]}` : undefined);
    if (problem !== undefined) {
      spec.bad.report({ file: spec.table.file, row: c.row.line, field: spec.pathColumn, reason: problem });
      return;
    }
    if (hash && 'sha256' in hash) c.item.imageSha256 = hash.sha256;
    items.push(c.item);
  });
  return items;
}

function whyEmpty(spec: TabularSpec, candidates: number): string {
  const rows = spec.table.rows.length;
  const skipped = spec.bad.skipped.length;
  if (skipped > 0) return `all ${skipped} of ${rows} rows were skipped as bad; first: row ${spec.bad.skipped[0]!.row}: ${spec.bad.skipped[0]!.reason}`;
  if (candidates === 0 && spec.keep) return `none of its ${rows} rows passes the view filter`;
  return `${rows} rows, none usable`;
}
