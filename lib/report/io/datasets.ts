/**
 * Which datasets a notebook can use on this machine, and what to tell the reader when one is missing. The
 * notebooks never fail for want of data: they say what is absent, how to get it, and fall back to what exists
 * (ultimately the embedded synthetic set, labelled as such everywhere).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadManifest } from '../../data/manifest';
import { defaultDatasetRoot } from '../../data/registry';

export type KnownDatasetId = 'covid-cohen' | 'kermany-pneumonia' | 'chexpert-v1.0-small' | 'synthetic-cxr';

export interface DatasetAvailability {
  id: KnownDatasetId;
  available: boolean;
  /** The folder to pass to the loader, when available. */
  root?: string;
  /** Why it is not available (in words for the notebook). */
  reason?: string;
  /** How to obtain it, from the dataset's manifest. */
  howToGet: string[];
  /** Where the instructions come from (manifest URL or command). */
  source?: string;
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

function obtainSteps(id: KnownDatasetId): { steps: string[]; source?: string } {
  const obtain = loadManifest(id).manifest.obtain as {
    method: string;
    url?: string;
    steps?: string[];
    command?: string;
    source?: { repository?: string };
  };
  if (obtain.method === 'manual') return { steps: obtain.steps ?? [], source: obtain.url };
  const steps: string[] = [];
  if (obtain.command) steps.push(`Run \`${obtain.command}\` (downloads from the pinned upstream commit and checks every file's sha256).`);
  return { steps, source: obtain.source?.repository };
}

/**
 * CheXpert-v1.0-small is usable when `root` is the folder holding train.csv (or its parent, holding
 * CheXpert-v1.0-small/train.csv). An empty `root` means "not configured".
 */
export function chexpertAvailability(root: string | undefined): DatasetAvailability {
  const { steps, source } = obtainSteps('chexpert-v1.0-small');
  const base: DatasetAvailability = { id: 'chexpert-v1.0-small', available: false, howToGet: steps, source };
  if (!root || root.trim() === '') return { ...base, reason: 'no CheXpert folder was given (parameter `chexpertRoot` is empty)' };
  const abs = path.resolve(root);
  if (!isDir(abs)) return { ...base, reason: `the CheXpert folder \`${abs}\` does not exist` };
  for (const candidate of [abs, path.join(abs, 'CheXpert-v1.0-small')]) {
    if (existsSync(path.join(candidate, 'train.csv'))) return { ...base, available: true, root: candidate };
  }
  return { ...base, reason: `\`${abs}\` holds no train.csv (nor CheXpert-v1.0-small/train.csv)` };
}

/**
 * A dataset `rethink-tl prepare <id>` builds is usable when a folder holds labels.csv and images/: `root`, or when
 * that is absent or incomplete, the folder prepare makes by default (`preparedRoot`: data/... or
 * $RETHINK_DATA_DIR/...), so a user who ran prepare needs no parameter.
 */
function preparedAvailability(
  id: 'covid-cohen' | 'kermany-pneumonia',
  root: string | undefined,
  preparedRoot: string,
  what: { name: string; parameter: string },
): DatasetAvailability {
  const { steps, source } = obtainSteps(id);
  const base: DatasetAvailability = { id, available: false, howToGet: steps, source };
  const check = (folder: string): string | null => {
    const abs = path.resolve(folder);
    if (!existsSync(path.join(abs, 'labels.csv'))) return `\`${abs}\` holds no labels.csv`;
    if (!isDir(path.join(abs, 'images'))) return `\`${abs}\` has no images/ folder`;
    return null;
  };
  const given = !root || root.trim() === '' ? `no ${what.name} folder was given (parameter \`${what.parameter}\` is empty)` : check(root);
  if (given === null) return { ...base, available: true, root: path.resolve(root!) };
  if (preparedRoot && check(preparedRoot) === null) return { ...base, available: true, root: path.resolve(preparedRoot) };
  return { ...base, reason: given };
}

/** The public COVID set (`rethink-tl prepare covid-cohen`): `root`, else the prepared default folder. */
export function covidAvailability(root: string | undefined, preparedRoot: string = defaultDatasetRoot('covid-cohen') ?? ''): DatasetAvailability {
  return preparedAvailability('covid-cohen', root, preparedRoot, { name: 'COVID', parameter: 'covidRoot' });
}

/** The Kermany pediatric pneumonia set (`rethink-tl prepare kermany-pneumonia`): `root`, else the prepared default folder. */
export function kermanyAvailability(root: string | undefined, preparedRoot: string = defaultDatasetRoot('kermany-pneumonia') ?? ''): DatasetAvailability {
  return preparedAvailability('kermany-pneumonia', root, preparedRoot, { name: 'Kermany pneumonia', parameter: 'kermanyRoot' });
}

/** A markdown note for a missing dataset: what is missing, how to get it, and what the notebook does instead. */
export function missingDataMarkdown(a: DatasetAvailability, fallback: string): string {
  const lines = [`> **${a.id} is not available here:** ${a.reason ?? 'unknown reason'}.`, '>'];
  if (a.howToGet.length) {
    lines.push('> To use it:');
    a.howToGet.forEach((s, i) => lines.push(`> ${i + 1}. ${s}`));
    if (a.source) lines.push(`>`, `> Source: ${a.source}`);
    lines.push('>');
  }
  lines.push(`> This notebook continues with **${fallback}** and labels every result accordingly.`);
  return lines.join('\n');
}

export interface FigureDatasetParams {
  chexpertRoot?: string;
  covidRoot?: string;
  /** Size of the synthetic fallback (the loader's default when absent). */
  syntheticN?: number;
}

export interface FigureDatasetChoice {
  /** What the runner loads: a loadDataset id and its options. */
  ref: { id: KnownDatasetId; options: Record<string, unknown> };
  synthetic: boolean;
  /** The dataset the paper's figure used, when it is not the one chosen. */
  missing?: DatasetAvailability;
}

/**
 * The dataset a figure runs on: CheXpert (Figs. 3, 7; the paper's U-Ones policy, all 13 labels, the training
 * CSV) or the public COVID set (Figs. 4, 6) when present, else the embedded synthetic set.
 */
export function chooseFigureDataset(kind: 'chexpert' | 'covid', params: FigureDatasetParams): FigureDatasetChoice {
  const a = kind === 'chexpert' ? chexpertAvailability(params.chexpertRoot) : covidAvailability(params.covidRoot);
  if (a.available && kind === 'chexpert') {
    return { ref: { id: 'chexpert-v1.0-small', options: { root: a.root, split: 'train', policy: 'u-ones' } }, synthetic: false };
  }
  if (a.available) return { ref: { id: 'covid-cohen', options: { root: a.root } }, synthetic: false };
  const options: Record<string, unknown> = params.syntheticN !== undefined ? { n: params.syntheticN } : {};
  return { ref: { id: 'synthetic-cxr', options }, synthetic: true, missing: a };
}
