import { BadRowCollector } from './bad-rows';
import type { CsvRow, CsvTable } from './csv';
import { checkImageFiles, type ImageCheck } from './image-check';
import { applyLabelPolicy, type LabelPolicy } from './label-policy';
import { resolveInsideRoot } from './paths';
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
    const abs = resolveInsideRoot(spec.root, relPath);
    if (abs === undefined) {
      bad.report({
        file: table.file,
        row: row.line,
        field: spec.pathColumn,
        reason: `path "${cell}" escapes the data root ${spec.root}`,
      });
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
    const item: DatasetItem = { id, image: { kind: 'file', path: abs }, labels };
    if (withMask) item.mask = mask;
    const patientId = spec.patientOf?.(row, relPath);
    if (patientId !== undefined && patientId !== '') item.patientId = patientId;
    const view = spec.viewOf?.(row);
    if (view !== undefined && view !== '') item.view = view;
    const sourceSplit = spec.sourceSplitOf?.(row);
    if (sourceSplit !== undefined && sourceSplit !== '') item.sourceSplit = sourceSplit;
    candidates.push({ item, row });
  }

  const problems = await checkImageFiles(
    candidates.map((c) => (c.item.image as { path: string }).path),
    spec.imageCheck,
  );
  const items: DatasetItem[] = [];
  candidates.forEach((c, i) => {
    const problem = problems[i];
    if (problem !== undefined) {
      bad.report({ file: table.file, row: c.row.line, field: spec.pathColumn, reason: problem });
      return;
    }
    items.push(c.item);
  });
  return items;
}
