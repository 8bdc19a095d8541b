import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { BadRowCollector } from '../bad-rows';
import { readCsv, requireColumns } from '../csv';
import { canonicalJson, sha256Hex } from '../../util/hash';
import type { UncertaintyPolicy } from '../label-policy';
import { loadManifest } from '../manifest';
import { itemsFromTable } from '../tabular';
import type { Dataset } from '../types';
import { z } from 'zod';
import { typedSchema } from '../../util/schema';
import { commonLoadOptionsShape, nameList, type CommonLoadOptions, selectLabels } from './common';

export interface ChexpertOptions extends CommonLoadOptions {
  /** The CheXpert-v1.0-small folder (holding train.csv), or its parent. */
  root: string;
  split: 'train' | 'valid';
  /** The paper's code uses 'u-ones'. */
  policy: UncertaintyPolicy;
  /** Default: the paper's 13 (Support Devices dropped). Any subset of the 14 observations, in any order. */
  labels?: string[];
  /** Keep only 'Frontal' images (the paper's code does not filter). */
  frontalOnly?: boolean;
}

export const chexpertOptionsShape = z.strictObject({
  root: z.string().min(1),
  split: z.enum(['train', 'valid']),
  policy: z.enum(['u-ones', 'u-zeros', 'u-ignore'] satisfies UncertaintyPolicy[]),
  labels: nameList.optional(),
  frontalOnly: z.boolean().optional(),
  ...commonLoadOptionsShape,
});
export const chexpertOptions = typedSchema<ChexpertOptions>(chexpertOptionsShape);

/** Path prefixes in the official CSVs; stripped so paths resolve inside the folder the user gave. */
const PATH_PREFIXES = ['CheXpert-v1.0-small/', 'CheXpert-v1.0/'];

const FIXED_COLUMNS = ['Path', 'Frontal/Lateral', 'AP/PA'];

export async function loadChexpert(options: ChexpertOptions): Promise<Dataset> {
  const { manifest, sha256: manifestSha } = loadManifest('chexpert-v1.0-small');
  const root = findChexpertRoot(path.resolve(options.root), options.split);
  const labelNames = selectLabels(options.labels, manifest.labels.columns.map((c) => c.name), manifest.labels.default, 'chexpert-v1.0-small');
  const csvFile = path.join(root, `${options.split}.csv`);
  const table = readCsv(csvFile);
  requireColumns(table, [...FIXED_COLUMNS, ...labelNames]);
  const bad = new BadRowCollector(options.onBadRow);
  const items = await itemsFromTable({
    table,
    root,
    pathColumn: 'Path',
    labelColumns: labelNames,
    policy: options.policy,
    imageCheck: options.imageCheck ?? 'exists',
    bad,
    mapPath: stripChexpertPrefix,
    patientOf: (_row, relPath) => /(?:^|\/)(patient\d+)\//.exec(relPath)?.[1],
    viewOf: (row) => {
      const fl = (row.values['Frontal/Lateral'] ?? '').trim();
      if (fl === 'Lateral') return 'Lateral';
      const appa = (row.values['AP/PA'] ?? '').trim();
      return appa !== '' ? appa : fl;
    },
    sourceSplitOf: () => options.split,
    keep: options.frontalOnly ? (row) => (row.values['Frontal/Lateral'] ?? '').trim() === 'Frontal' : undefined,
  });
  return {
    id: manifest.id,
    title: manifest.title,
    labelNames,
    items,
    synthetic: false,
    contentHash: sha256Hex(
      canonicalJson({
        manifest: manifestSha,
        csv: sha256Hex(table.raw),
        split: options.split,
        policy: options.policy,
        labelNames,
        frontalOnly: options.frontalOnly ?? false,
      }),
    ),
    skipped: bad.skipped,
  };
}

export function stripChexpertPrefix(cell: string): string {
  const p = cell.trim().replace(/\\/g, '/');
  for (const prefix of PATH_PREFIXES) if (p.startsWith(prefix)) return p.slice(prefix.length);
  return p;
}

/** Accepts the CheXpert folder itself or a parent holding 'CheXpert-v1.0-small/'. */
function findChexpertRoot(root: string, split: string): string {
  if (existsSync(path.join(root, `${split}.csv`))) return root;
  for (const name of ['CheXpert-v1.0-small', 'CheXpert-v1.0']) {
    const inner = path.join(root, name);
    if (existsSync(path.join(inner, `${split}.csv`))) return inner;
  }
  return root; // readCsv then names the missing file
}
