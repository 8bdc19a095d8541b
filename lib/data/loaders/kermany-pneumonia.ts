/**
 * The Kermany et al. pediatric pneumonia set (5,840 chest X-rays, CC BY 4.0) as prepared by
 * `rethink-tl prepare kermany-pneumonia`: labels.csv + images/. Three split columns answer different questions
 * (see the manifest's notes), so the scheme is an explicit option and part of the dataset's identity.
 */
import * as path from 'node:path';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../../util/hash';
import { typedSchema } from '../../util/schema';
import { BadRowCollector } from '../bad-rows';
import { type CsvRow, type CsvTable, readCsv, requireColumns } from '../csv';
import { loadManifest } from '../manifest';
import { itemsFromTable } from '../tabular';
import type { Dataset, DatasetItem } from '../types';
import { commonLoadOptionsShape, type CommonLoadOptions } from './common';

/** Where `rethink-tl prepare kermany-pneumonia` builds the folder by default (relative to the repository root). */
export const DEFAULT_KERMANY_ROOT = 'data/kermany-pneumonia-224';

export const KERMANY_SPLIT_SCHEMES = ['grouped', 'suggested', 'official'] as const;
/**
 * - 'grouped': patient-disjoint over all images (no patient in two splits);
 * - 'suggested': the release's test set (624 images) as test, a patient-grouped val carved from its train set;
 * - 'official': the release's train / test folders as they are (no val; the runner carves one by patient).
 */
export type KermanySplitScheme = (typeof KERMANY_SPLIT_SCHEMES)[number];

export const KERMANY_TASKS = ['pneumonia', 'viral-vs-bacterial'] as const;
/** 'pneumonia': pneumonia vs normal, all images. 'viral-vs-bacterial': the pneumonia images only, label 'viral'. */
export type KermanyTask = (typeof KERMANY_TASKS)[number];

export interface KermanyPneumoniaOptions extends CommonLoadOptions {
  /** The prepared folder (labels.csv + images/), e.g. data/kermany-pneumonia-224. */
  root: string;
  /** Which split column becomes each item's sourceSplit; default 'grouped'. */
  splitScheme?: KermanySplitScheme;
  /** Default 'pneumonia'. */
  task?: KermanyTask;
}

export const kermanyPneumoniaOptions = typedSchema<KermanyPneumoniaOptions>(
  z.strictObject({
    root: z.string().min(1),
    splitScheme: z.enum(KERMANY_SPLIT_SCHEMES).optional(),
    task: z.enum(KERMANY_TASKS).optional(),
    ...commonLoadOptionsShape,
  }),
);

const SPLIT_COLUMN: Record<KermanySplitScheme, string> = {
  grouped: 'split_grouped',
  suggested: 'split_suggested',
  official: 'split_official',
};

const SUBTYPE_TO_VIRAL: Record<string, string> = { virus: '1', bacteria: '0' };

export interface KermanyFileName {
  patientId: string;
  subtype: 'bacteria' | 'virus' | 'normal';
}

/**
 * What the release's file names say: `personN_bacteria_K.jpeg` / `personN_virus_K[_J].jpeg` (pneumonia, patient
 * personN) and `IM-NNNN-KKKK[-JJJJ].jpeg` / `NORMAL2-IM-NNNN-KKKK[-JJJJ].jpeg` (normal, patient IM-NNNN or
 * NORMAL2-IM-NNNN). The release has no other patient information; null for a name of neither form.
 */
export function parseKermanyFileName(fileName: string): KermanyFileName | null {
  const pneumonia = /^(person\d+)_(bacteria|virus)_\d+(?:_\d+)?\.jpe?g$/i.exec(fileName);
  if (pneumonia) return { patientId: pneumonia[1]!, subtype: pneumonia[2]!.toLowerCase() as 'bacteria' | 'virus' };
  const normal = /^((?:NORMAL2-)?IM-\d{4})-\d{4}(?:-\d{4})?\.jpe?g$/i.exec(fileName);
  if (normal) return { patientId: normal[1]!, subtype: 'normal' };
  return null;
}

/** A row whose patient_id or subtype contradicts its file name: the reason, or undefined when they agree. */
function fileNameDisagreement(row: CsvRow): { field: string; reason: string } | undefined {
  const name = path.posix.basename(row.values['filename'] ?? '');
  const parsed = parseKermanyFileName(name);
  if (parsed === null) return { field: 'filename', reason: `file name "${name}" is neither personN_(bacteria|virus)_K nor [NORMAL2-]IM-NNNN-KKKK` };
  if (row.values['patient_id'] !== parsed.patientId) {
    return { field: 'patient_id', reason: `patient_id "${row.values['patient_id']}" but the file name "${name}" says "${parsed.patientId}"` };
  }
  if (row.values['subtype'] !== parsed.subtype) {
    return { field: 'subtype', reason: `subtype "${row.values['subtype']}" but the file name "${name}" says "${parsed.subtype}"` };
  }
  if (row.values['pneumonia'] !== (parsed.subtype === 'normal' ? '0' : '1')) {
    return { field: 'pneumonia', reason: `pneumonia "${row.values['pneumonia']}" but the file name "${name}" says ${parsed.subtype}` };
  }
  return undefined;
}

/** Rows whose labels and patient agree with their file names; the others are reported as bad rows. */
function consistentRows(table: CsvTable, bad: BadRowCollector): CsvTable {
  const rows = table.rows.filter((row) => {
    const problem = fileNameDisagreement(row);
    if (problem) bad.report({ file: table.file, row: row.line, ...problem });
    return problem === undefined;
  });
  return { ...table, rows };
}



/**
 * For the viral-vs-bacterial task, the rows of pneumonia images with a derived 'viral' column; a subtype other
 * than virus/bacteria on a pneumonia row is a bad row (named), never a silent exclusion.
 */
function viralRows(table: CsvTable, bad: BadRowCollector): CsvTable {
  const rows: CsvRow[] = [];
  for (const row of table.rows) {
    if (row.values['pneumonia'] === '0') continue;
    const viral = SUBTYPE_TO_VIRAL[row.values['subtype'] ?? ''];
    if (viral === undefined) {
      bad.report({ file: table.file, row: row.line, field: 'subtype', reason: `subtype "${row.values['subtype'] ?? ''}" is neither virus nor bacteria` });
      continue;
    }
    rows.push({ ...row, values: { ...row.values, viral } });
  }
  return { ...table, rows };
}

function patientsInTrainAndTest(items: DatasetItem[]): number {
  const train = new Set(items.filter((i) => i.sourceSplit === 'train').map((i) => i.patientId));
  return new Set(items.filter((i) => i.sourceSplit === 'test' && train.has(i.patientId)).map((i) => i.patientId)).size;
}

/** The prepared Kermany pneumonia folder; the chosen scheme's split column becomes each item's sourceSplit. */
export async function loadKermanyPneumonia(options: KermanyPneumoniaOptions): Promise<Dataset> {
  const { manifest } = loadManifest('kermany-pneumonia');
  const scheme = options.splitScheme ?? 'grouped';
  const task = options.task ?? 'pneumonia';
  const root = path.resolve(options.root);
  const splitColumn = SPLIT_COLUMN[scheme];
  const full = readCsv(path.join(root, 'labels.csv'));
  requireColumns(full, ['id', 'filename', 'patient_id', 'patient_group', 'pneumonia', 'subtype', splitColumn]);
  const bad = new BadRowCollector(options.onBadRow);
  const consistent = consistentRows(full, bad);
  const table = task === 'viral-vs-bacterial' ? viralRows(consistent, bad) : consistent;
  const labelName = task === 'viral-vs-bacterial' ? 'viral' : 'pneumonia';
  const items = await itemsFromTable({
    table,
    root,
    pathColumn: 'filename',
    labelColumns: [labelName],
    policy: 'binary',
    imageCheck: options.imageCheck ?? 'exists',
    bad,
    idOf: (row) => row.values['id'] ?? '',
    patientOf: (row) => row.values['patient_group'],
    sourceSplitOf: (row) => row.values[splitColumn],
  });
  const normals = consistent.rows.length - table.rows.length;
  const taskTitle = task === 'pneumonia' ? 'pneumonia vs normal' : `viral vs bacterial pneumonia (the ${normals} normal images are not part of this task)`;
  const dataset: Dataset = {
    id: manifest.id,
    title: `${manifest.title}: ${taskTitle}, ${scheme} split`,
    labelNames: [labelName],
    items,
    synthetic: false,
    // The label file's bytes, the scheme and the task define the items; the manifest's prose does not, so editing
    // it must not orphan stored runs.
    contentHash: sha256Hex(canonicalJson({ dataset: 'kermany-pneumonia', labels: sha256Hex(full.raw), scheme, task })),
    skipped: bad.skipped,
  };
  const overlap = patientsInTrainAndTest(items);
  if (overlap > 0) {
    dataset.sourceSplitOverlap =
      `the ${scheme} split has ${overlap} patient${overlap === 1 ? '' : 's'} with images in both train and test ` +
      "(the release's own split does this); use splitScheme 'grouped' for patient-disjoint splits";
  }
  return dataset;
}
