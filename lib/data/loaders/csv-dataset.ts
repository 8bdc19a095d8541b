import * as path from 'node:path';
import { ConfigError } from '../../errors';
import { BadRowCollector } from '../bad-rows';
import { readCsv, requireColumns } from '../csv';
import { canonicalJson, sha256Hex } from '../../util/hash';
import { LABEL_POLICIES, type LabelPolicy } from '../label-policy';
import { loadManifest } from '../manifest';
import { requireInsideRoot } from '../paths';
import { itemsFromTable } from '../tabular';
import type { Dataset } from '../types';
import { z } from 'zod';
import { typedSchema } from '../../util/schema';
import { commonLoadOptionsShape, nameList, type CommonLoadOptions } from './common';

export interface CsvDatasetOptions extends CommonLoadOptions {
  /** Folder holding the images; every image path must resolve inside it. */
  root: string;
  /** The CSV, relative to root or absolute. */
  csv: string;
  labelColumns: string[];
  /** Column with the image path relative to root (default 'path'). */
  pathColumn?: string;
  /** Column with an item id (default: the image path). */
  idColumn?: string;
  patientColumn?: string;
  viewColumn?: string;
  /** Keep only rows whose view is in this list. */
  views?: string[];
  /** Column holding a split given by the source (train/val/test), used by splitDataset's useSourceSplit. */
  splitColumn?: string;
  /** Default 'binary' (only 0/1). Report-mined labels with -1/blank need an uncertainty policy. */
  policy?: LabelPolicy;
  /** Shown in tables and figures (default: the CSV's file name). */
  title?: string;
}

const column = z.string().min(1);

export const csvDatasetOptionsShape = z.strictObject({
  root: z.string().min(1),
  csv: z.string().min(1),
  labelColumns: nameList,
  pathColumn: column.optional(),
  idColumn: column.optional(),
  patientColumn: column.optional(),
  viewColumn: column.optional(),
  views: nameList.optional(),
  splitColumn: column.optional(),
  policy: z.enum(LABEL_POLICIES as [LabelPolicy, ...LabelPolicy[]]).optional(),
  title: z.string().min(1).optional(),
  ...commonLoadOptionsShape,
});
export const csvDatasetOptions = typedSchema<CsvDatasetOptions>(csvDatasetOptionsShape);

/** A user's own data: any folder of images plus a CSV of path, labels, optional patient id and view. */
export async function loadCsvDataset(options: CsvDatasetOptions): Promise<Dataset> {
  const { manifest, sha256: manifestSha } = loadManifest('csv');
  const root = path.resolve(options.root);
  const policy = options.policy ?? 'binary';
  const csvFile = path.isAbsolute(options.csv) ? options.csv : requireInsideRoot(root, options.csv, { field: 'csv' });
  const table = readCsv(csvFile);
  const pathColumn = options.pathColumn ?? 'path';
  const optional = [options.idColumn, options.patientColumn, options.viewColumn, options.splitColumn].filter(
    (c): c is string => c !== undefined,
  );
  requireColumns(table, [pathColumn, ...options.labelColumns, ...optional]);
  if (options.views && !options.viewColumn) throw new ConfigError('csv: views needs viewColumn', { field: 'views' });
  const bad = new BadRowCollector(options.onBadRow);
  const viewSet = options.views ? new Set(options.views) : undefined;
  const items = await itemsFromTable({
    table,
    root,
    pathColumn,
    labelColumns: options.labelColumns,
    policy,
    imageCheck: options.imageCheck ?? 'exists',
    bad,
    mapPath: (cell) => cell.trim(),
    idOf: options.idColumn ? (row) => (row.values[options.idColumn!] ?? '').trim() : undefined,
    patientOf: options.patientColumn ? (row) => (row.values[options.patientColumn!] ?? '').trim() : undefined,
    viewOf: options.viewColumn ? (row) => (row.values[options.viewColumn!] ?? '').trim() : undefined,
    sourceSplitOf: options.splitColumn ? (row) => (row.values[options.splitColumn!] ?? '').trim() : undefined,
    keep: viewSet ? (row) => viewSet.has((row.values[options.viewColumn!] ?? '').trim()) : undefined,
  });
  return {
    id: manifest.id,
    title: options.title ?? path.basename(csvFile),
    labelNames: [...options.labelColumns],
    items,
    synthetic: false,
    contentHash: sha256Hex(
      canonicalJson({
        manifest: manifestSha,
        csv: sha256Hex(table.raw),
        options: { ...options, root: undefined, csv: path.basename(csvFile), onBadRow: undefined, imageCheck: undefined },
      }),
    ),
    skipped: bad.skipped,
  };
}
