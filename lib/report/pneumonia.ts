/**
 * The pneumonia study's numbers, from stored runs (pure): each arm's points on the data-efficiency curve, paired
 * comparisons of two arms on the same test images, the split-scheme contrast and the seen-patient contrast. Every
 * interval resamples the test images (stratified by class) with all seeds scored on each resample, so it says
 * how much a different test set could move the number; the seeds' own spread is reported beside it.
 */
import type { RunRecord } from '../experiments/types';
import { minimumDetectableDifference, pairedBootstrapDifference, seedMeanBootstrap, type PairedMetric, type SeedMeanInterval } from '../metrics/paired';
import { ReportInputError } from './errors';

export type KermanyScheme = 'grouped' | 'suggested' | 'official';
export type StudyMetric = 'AUROC' | 'AUPRC';
const METRIC_KEY: Record<StudyMetric, PairedMetric> = { AUROC: 'auroc', AUPRC: 'auprc' };

/** Which split scheme a Kermany run used, from its dataset title (the loader names it there); null otherwise. */
export function schemeOf(record: RunRecord): KermanyScheme | null {
  if (record.config.dataset.id !== 'kermany-pneumonia') return null;
  const m = /, (grouped|suggested|official) split/.exec(record.provenance?.dataset.title ?? '');
  return m ? (m[1] as KermanyScheme) : null;
}

/** Finished Kermany runs of one split scheme and training profile that kept their test logits. */
export function studyRuns(records: readonly RunRecord[], scheme: KermanyScheme, profile: string): RunRecord[] {
  return records.filter((r) => r.status === 'ok' && r.config.profile === profile && schemeOf(r) === scheme && r.testScores?.logits !== undefined);
}

export interface BootstrapSettings {
  /** Replicates per interval (default 2000). */
  nBoot?: number;
  /** Seed of the resampling. */
  seed: number;
}

const sameFraction = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

/** The runs of one cell at one fraction, one per seed, ordered by seed. */
export function seedRuns(runs: readonly RunRecord[], cellName: string, fraction: number): RunRecord[] {
  const bySeed = new Map<number, RunRecord>();
  for (const r of runs) if (r.cellName === cellName && sameFraction(r.config.fraction, fraction)) bySeed.set(r.seed, r);
  return [...bySeed.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
}

interface Aligned {
  ids: string[];
  labels: number[];
  /** Logits per run, in `ids` order. */
  logits: number[][];
}

/** The runs' test logits of the first label, aligned on the first run's test ids (all runs must share the test set). */
function align(runs: readonly RunRecord[]): Aligned {
  const first = runs[0]!.testScores!;
  const numLabels = first.labels.length / first.ids.length;
  const ids = first.ids;
  const labels = ids.map((_, i) => first.labels[i * numLabels]!);
  const logits = runs.map((r) => {
    const ts = r.testScores!;
    const index = new Map(ts.ids.map((id, i) => [id, i]));
    return ids.map((id) => {
      const i = index.get(id);
      if (i === undefined) throw new ReportInputError(`run ${r.configHash.slice(0, 12)} (${r.cellName}) has no test score for "${id}": runs compared here must share a test set`, { key: id });
      return ts.logits![i * numLabels]!;
    });
  });
  return { ids, labels, logits };
}

export interface ArmPoint {
  cellName: string;
  fraction: number;
  seeds: number;
  trainImages: number;
  AUROC: SeedMeanInterval;
  AUPRC: SeedMeanInterval;
}

/** One point per fraction of a cell: the seed-mean AUROC and AUPRC with their test-set intervals. */
export function armPoints(runs: readonly RunRecord[], cellName: string, settings: BootstrapSettings): ArmPoint[] {
  const fractions = [...new Set(runs.filter((r) => r.cellName === cellName).map((r) => r.config.fraction))].sort((a, b) => a - b);
  return fractions.map((fraction) => {
    const group = seedRuns(runs, cellName, fraction);
    const { labels, logits } = align(group);
    const interval = (metric: StudyMetric): SeedMeanInterval => seedMeanBootstrap(labels, logits, METRIC_KEY[metric], { seed: settings.seed, nBoot: settings.nBoot ?? 2000 });
    return { cellName, fraction, seeds: group.length, trainImages: group[0]!.provenance?.dataset.counts.train.items ?? 0, AUROC: interval('AUROC'), AUPRC: interval('AUPRC') };
  });
}

/** A − B: two cells compared on the same test images, with the short names the comparison reads by. */
export interface PairSpec {
  a: string;
  b: string;
  /** e.g. 'TL' for ResNet50K-TL. */
  aName: string;
  bName: string;
  /** What sets this comparison apart from another of the same two names, e.g. 'grouped split'. */
  context?: string;
}

/** How a comparison reads: 'TL − RI', or 'TL − RI, grouped split' with a context. */
export function pairLabel(pair: Pick<PairSpec, 'aName' | 'bName' | 'context'>): string {
  return `${pair.aName} − ${pair.bName}${pair.context ? `, ${pair.context}` : ''}`;
}

export interface PairedRow {
  /** pairLabel of its PairSpec. */
  comparison: string;
  aName: string;
  bName: string;
  fraction: number;
  metric: StudyMetric;
  /** Seed pairs compared (seed i of A with seed i of B: the same training images). */
  seeds: number;
  a: number;
  b: number;
  difference: number;
  lower: number;
  upper: number;
  pValue: number;
  /** The smallest difference this test set would call significant (1.96 x the paired standard error). */
  detectable: number;
  /** Per seed pair, for the spread over training subsets and initialisations. */
  perSeed: number[];
}

/** A − B at every fraction where both have runs of the same seeds, both metrics. */
export function pairedRows(runs: readonly RunRecord[], pairs: readonly PairSpec[], settings: BootstrapSettings): PairedRow[] {
  const rows: PairedRow[] = [];
  for (const pair of pairs) {
    const fractions = [...new Set(runs.filter((r) => r.cellName === pair.a).map((r) => r.config.fraction))].sort((x, y) => x - y);
    for (const fraction of fractions) {
      const a = seedRuns(runs, pair.a, fraction);
      const b = seedRuns(runs, pair.b, fraction);
      const seeds = a.map((r) => r.seed).filter((s) => b.some((x) => x.seed === s));
      if (seeds.length === 0) continue;
      const { labels, logits } = align([...a.filter((r) => seeds.includes(r.seed)), ...b.filter((r) => seeds.includes(r.seed))]);
      for (const metric of ['AUROC', 'AUPRC'] as StudyMetric[]) {
        const d = pairedBootstrapDifference(labels, logits.slice(0, seeds.length), logits.slice(seeds.length), METRIC_KEY[metric], { seed: settings.seed, nBoot: settings.nBoot ?? 2000 });
        rows.push({
          comparison: pairLabel(pair), aName: pair.aName, bName: pair.bName, fraction, metric, seeds: seeds.length, a: d.a, b: d.b, difference: d.difference,
          lower: d.lower, upper: d.upper, pValue: d.pValue, detectable: minimumDetectableDifference(d.standardError), perSeed: d.perSeed,
        });
      }
    }
  }
  return rows;
}

export interface SeenUnseenRow {
  cellName: string;
  fraction: number;
  seeds: number;
  /** AUROC on the test positives whose patient has images in the training split, against every test negative. */
  seen: SeedMeanInterval;
  /** The same on the test positives of patients the training split does not have. */
  unseen: SeedMeanInterval;
}

/**
 * The release's test set mixes pneumonia images of patients the training split also has with patients it does not.
 * Scoring each group against the same negatives shows how much recognising a seen patient inflates AUROC.
 * `seenPatient(testId)` says whether a test item's patient has training images (undefined: unknown, left out).
 */
export function seenUnseenRows(runs: readonly RunRecord[], cellNames: readonly string[], fraction: number, seenPatient: (id: string) => boolean | undefined, settings: BootstrapSettings): SeenUnseenRow[] {
  const rows: SeenUnseenRow[] = [];
  for (const cellName of cellNames) {
    const group = seedRuns(runs, cellName, fraction);
    if (group.length === 0) continue;
    const { ids, labels, logits } = align(group);
    const subset = (seen: boolean): SeedMeanInterval => {
      const keep = ids.map((id, i) => labels[i] === 0 || seenPatient(id) === seen);
      const pick = <T>(xs: readonly T[]): T[] => xs.filter((_, i) => keep[i]);
      return seedMeanBootstrap(pick(labels), logits.map(pick), 'auroc', { seed: settings.seed, nBoot: settings.nBoot ?? 2000 });
    };
    rows.push({ cellName, fraction, seeds: group.length, seen: subset(true), unseen: subset(false) });
  }
  return rows;
}

/** Prevalence of the test split of a run (AUPRC's chance level). */
export function testPrevalence(run: RunRecord): number {
  const ts = run.testScores!;
  const numLabels = ts.labels.length / ts.ids.length;
  let positives = 0;
  for (let i = 0; i < ts.ids.length; i++) positives += ts.labels[i * numLabels]!;
  return positives / ts.ids.length;
}

/** One image of the Kermany label file, as the data section reads it. */
export interface KermanyRow {
  id: string;
  patient: string;
  pneumonia: 0 | 1;
  subtype: string;
  split: Record<KermanyScheme, string>;
  duplicateOf: string;
}

export interface SchemeFacts {
  scheme: KermanyScheme;
  /** Images per split and class. */
  counts: Array<{ split: string; pneumonia: number; normal: number }>;
  /** Patients with images in both the train and the test split, and the test pneumonia images that are theirs. */
  overlapPatients: number;
  overlapTestPneumonia: number;
  testPneumonia: number;
}

export interface DatasetFacts {
  images: number;
  pneumonia: number;
  bacterial: number;
  viral: number;
  patients: number;
  /** Groups of byte-identical images, and the images in them. */
  duplicateGroups: number;
  duplicateImages: number;
  schemes: SchemeFacts[];
}

/** What the data section says about the set, computed from its label file. */
export function datasetFacts(rows: readonly KermanyRow[], schemes: readonly KermanyScheme[]): DatasetFacts {
  const dupes = rows.filter((r) => r.duplicateOf !== '');
  return {
    images: rows.length,
    pneumonia: rows.filter((r) => r.pneumonia === 1).length,
    bacterial: rows.filter((r) => r.subtype === 'bacteria').length,
    viral: rows.filter((r) => r.subtype === 'virus').length,
    patients: new Set(rows.map((r) => r.patient)).size,
    duplicateGroups: new Set(dupes.map((r) => r.duplicateOf)).size,
    duplicateImages: dupes.length,
    schemes: schemes.map((scheme) => {
      const splits = ['train', 'val', 'test'].filter((s) => rows.some((r) => r.split[scheme] === s));
      const trainPatients = new Set(rows.filter((r) => r.split[scheme] === 'train').map((r) => r.patient));
      const test = rows.filter((r) => r.split[scheme] === 'test');
      const overlap = test.filter((r) => trainPatients.has(r.patient));
      return {
        scheme,
        counts: splits.map((split) => {
          const inSplit = rows.filter((r) => r.split[scheme] === split);
          return { split, pneumonia: inSplit.filter((r) => r.pneumonia === 1).length, normal: inSplit.filter((r) => r.pneumonia === 0).length };
        }),
        overlapPatients: new Set(overlap.map((r) => r.patient)).size,
        overlapTestPneumonia: overlap.filter((r) => r.pneumonia === 1).length,
        testPneumonia: test.filter((r) => r.pneumonia === 1).length,
      };
    }),
  };
}
