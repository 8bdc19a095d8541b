/**
 * Numbers and chart inputs for the data-exploration notebook: prevalence and imbalance per label (and what they
 * mean for the two metrics), images per patient, views. Computations only; the notebook draws and writes.
 */
import type { LabelSummaryRow } from '../data/summaries';
import type { DatasetItem } from '../data/types';
import type { GroupedBarInput } from '../plots/grouped-bar';
import { labelAbbreviation } from './labels';

export interface DatasetLabels {
  /** Short dataset name for legends. */
  dataset: string;
  synthetic: boolean;
  rows: LabelSummaryRow[];
}

/**
 * Prevalence per label as one bar per (dataset, label). Label sets differ between datasets (a COVID set's
 * `pneumonia` is not CheXpert's Pneumonia), so bars are never pooled across datasets; CheXpert labels use the
 * paper's abbreviations.
 */
export function prevalencePanel(summaries: readonly DatasetLabels[]): GroupedBarInput {
  const groups: string[] = [];
  const values: Array<number | null> = [];
  for (const s of summaries) {
    const tag = s.synthetic ? `${s.dataset}, SYNTHETIC` : s.dataset;
    for (const r of s.rows) {
      const name = s.dataset.startsWith('chexpert') ? labelAbbreviation(r.label) : r.label;
      groups.push(`${name} (${tag})`);
      values.push(Number.isFinite(r.prevalence) ? r.prevalence : null);
    }
  }
  return {
    groups,
    series: ['prevalence'],
    values: [values],
    yTitle: 'prevalence',
    yRange: [0, 1],
    missingNote: 'no counted items',
    title: 'Label prevalence = AUPRC of a random ranking (its AUROC is 0.5 at any prevalence)',
  };
}

export interface ImbalanceRow {
  dataset: string;
  label: string;
  positives: number;
  negatives: number;
  /** Negatives per positive, as the paper quotes it ("1:19"). */
  ratio: string;
  prevalence: number;
  /** A random ranking's expected AUROC. */
  randomAuroc: number;
  /** A random ranking's expected AUPRC: the prevalence. */
  randomAuprc: number;
  /** How far above chance each metric can move: AUROC has 0.5 of headroom, AUPRC 1 - prevalence. */
  aurocHeadroom: number;
  auprcHeadroom: number;
}

/**
 * Per label: counts, ratio, and the chance level of each metric. A random ranking scores AUROC 0.5 at any
 * prevalence but AUPRC equal to the prevalence, which is why AUPRC separates classifiers that AUROC rates alike
 * on rare labels (paper/paper-facts.md §4.1: CheXpert's rare labels run from 1:19 to 1:79).
 */
export function imbalanceRows(summaries: readonly DatasetLabels[]): ImbalanceRow[] {
  return summaries.flatMap((s) =>
    s.rows.map((r) => ({
      dataset: s.dataset,
      label: r.label,
      positives: r.positives,
      negatives: r.negatives,
      ratio: r.ratio,
      prevalence: r.prevalence,
      randomAuroc: 0.5,
      randomAuprc: r.prevalence,
      aurocHeadroom: 0.5,
      auprcHeadroom: 1 - r.prevalence,
    })),
  );
}

/** The rarest label (lowest prevalence) over all datasets, for the notebook's text. */
export function rarestLabel(rows: readonly ImbalanceRow[]): ImbalanceRow | undefined {
  return rows.filter((r) => Number.isFinite(r.prevalence) && r.positives > 0).sort((a, b) => a.prevalence - b.prevalence)[0];
}

export interface PatientCount {
  imagesPerPatient: number;
  patients: number;
}

/** How many patients have 1, 2, 3, ... images (items without a patient id count as their own patient). */
export function imagesPerPatient(items: readonly DatasetItem[]): PatientCount[] {
  const perPatient = new Map<string, number>();
  for (const it of items) {
    const key = it.patientId ?? `item:${it.id}`;
    perPatient.set(key, (perPatient.get(key) ?? 0) + 1);
  }
  const hist = new Map<number, number>();
  for (const n of perPatient.values()) hist.set(n, (hist.get(n) ?? 0) + 1);
  return [...hist.entries()].map(([imagesPerPatient, patients]) => ({ imagesPerPatient, patients })).sort((a, b) => a.imagesPerPatient - b.imagesPerPatient);
}

/** Words for the field names of `ImbalanceRow` when it is shown as a table. */
export const IMBALANCE_HEADERS: Readonly<Record<string, string>> = {
  ratio: 'positive : negative',
  randomAuroc: 'random AUROC',
  randomAuprc: 'random AUPRC',
  aurocHeadroom: 'AUROC headroom',
  auprcHeadroom: 'AUPRC headroom',
};

export interface PatientSummaryRow {
  dataset: string;
  images: number;
  patients: number;
  /** Mean images per patient, and the most any one patient has. */
  meanImages: number;
  maxImages: number;
  /** Share of patients with a single image. */
  singleImageShare: number;
}

/** Patients and their images in one row per dataset (items without a patient id count as their own patient). */
export function patientSummary(dataset: string, items: readonly DatasetItem[]): PatientSummaryRow {
  const counts = imagesPerPatient(items);
  const patients = counts.reduce((n, c) => n + c.patients, 0);
  const single = counts.find((c) => c.imagesPerPatient === 1)?.patients ?? 0;
  return {
    dataset,
    images: items.length,
    patients,
    meanImages: patients === 0 ? NaN : items.length / patients,
    maxImages: counts.length === 0 ? 0 : counts[counts.length - 1]!.imagesPerPatient,
    singleImageShare: patients === 0 ? NaN : single / patients,
  };
}

/** Bins of images per patient, wider where few patients fall (1, 2, 3, 4–5, 6–10, 11–20, 21+). */
const PATIENT_BINS: ReadonlyArray<{ label: string; min: number; max: number }> = [
  { label: '1', min: 1, max: 1 },
  { label: '2', min: 2, max: 2 },
  { label: '3', min: 3, max: 3 },
  { label: '4–5', min: 4, max: 5 },
  { label: '6–10', min: 6, max: 10 },
  { label: '11–20', min: 11, max: 20 },
  { label: '21+', min: 21, max: Infinity },
];

/**
 * The share of each dataset's patients with 1, 2, 3, ... images, one bar per dataset: shares, not counts, so a
 * set of 150 patients and one of 3,000 read on one axis. Bins past the largest patient are left out.
 */
export function imagesPerPatientPanel(sets: ReadonlyArray<{ name: string; items: readonly DatasetItem[] }>): GroupedBarInput {
  const counts = sets.map((s) => imagesPerPatient(s.items));
  const most = Math.max(...counts.flatMap((c) => c.map((x) => x.imagesPerPatient)));
  const bins = PATIENT_BINS.filter((b) => b.min <= most);
  const values = counts.map((c) => {
    const patients = c.reduce((n, x) => n + x.patients, 0);
    return bins.map((b) => {
      const inBin = c.filter((x) => x.imagesPerPatient >= b.min && x.imagesPerPatient <= b.max).reduce((n, x) => n + x.patients, 0);
      return patients === 0 ? null : inBin / patients;
    });
  });
  return {
    groups: bins.map((b) => b.label),
    series: sets.map((s) => s.name),
    values,
    yTitle: 'share of patients',
    yRange: [0, 1],
    missingNote: '',
    title: 'Patients by number of images (x: images per patient)',
  };
}
