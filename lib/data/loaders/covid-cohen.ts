import * as path from 'node:path';
import { BadRowCollector } from '../bad-rows';
import { readCsv, requireColumns } from '../csv';
import { canonicalJson, sha256Hex } from '../../util/hash';
import { loadManifest } from '../manifest';
import { itemsFromTable } from '../tabular';
import type { Dataset } from '../types';
import { z } from 'zod';
import { typedSchema } from '../../util/schema';
import { commonLoadOptionsShape, nameList, type CommonLoadOptions, selectLabels } from './common';

export interface CovidCohenOptions extends CommonLoadOptions {
  /** The prepared folder (labels.csv + images/), e.g. data/covid-chestxray-cohen-256 (`rethink-tl prepare covid-cohen`). */
  root: string;
  /** Default ['covid19']; 'pneumonia' and 'no_finding' are too unbalanced for AUROC (see the manifest). */
  labels?: string[];
}

export const covidCohenOptionsShape = z.strictObject({
  root: z.string().min(1),
  labels: nameList.optional(),
  ...commonLoadOptionsShape,
});
export const covidCohenOptions = typedSchema<CovidCohenOptions>(covidCohenOptionsShape);

/** The prepared COVID-19 image data collection subset; `split_suggested` becomes each item's sourceSplit. */
export async function loadCovidCohen(options: CovidCohenOptions): Promise<Dataset> {
  const { manifest, sha256: manifestSha } = loadManifest('covid-cohen');
  const root = path.resolve(options.root);
  const labelNames = selectLabels(options.labels, manifest.labels.columns.map((c) => c.name), manifest.labels.default, 'covid-cohen');
  const table = readCsv(path.join(root, 'labels.csv'));
  const idColumn = 'id';
  const pathColumn = manifest.imagePathColumn ?? 'filename';
  const patientColumn = manifest.patientIdColumn ?? 'patient_group';
  const viewColumn = manifest.viewFilter?.column ?? 'view';
  const splitColumn = manifest.splitRecipe.sourceSplitColumn ?? 'split_suggested';
  requireColumns(table, [idColumn, pathColumn, patientColumn, viewColumn, splitColumn, ...labelNames]);
  const bad = new BadRowCollector(options.onBadRow);
  const items = await itemsFromTable({
    table,
    root,
    pathColumn,
    labelColumns: labelNames,
    policy: 'binary',
    imageCheck: options.imageCheck ?? 'exists',
    bad,
    idOf: (row) => row.values[idColumn] ?? '',
    patientOf: (row) => row.values[patientColumn],
    viewOf: (row) => row.values[viewColumn],
    sourceSplitOf: (row) => row.values[splitColumn],
  });
  return {
    id: manifest.id,
    title: manifest.title,
    labelNames,
    items,
    synthetic: false,
    contentHash: sha256Hex(canonicalJson({ manifest: manifestSha, labels: sha256Hex(table.raw), labelNames })),
    skipped: bad.skipped,
  };
}
