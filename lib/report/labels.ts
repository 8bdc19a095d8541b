/**
 * Naming shared by the paper join, the charts and the text: CheXpert label abbreviations as the 2021 figures print
 * them, and the display name of a bar (model + init + truncation) as the figures' legends spell it.
 */
import type { Init } from './types';

/** The figures' abbreviations for the 13 CheXpert observations kept by the paper (Support Devices dropped). */
export const CHEXPERT_ABBREVIATIONS: Readonly<Record<string, string>> = {
  NF: 'No Finding',
  EC: 'Enlarged Cardiomediastinum',
  'Ca.': 'Cardiomegaly',
  LO: 'Lung Opacity',
  LL: 'Lung Lesion',
  'Ed.': 'Edema',
  'Co.': 'Consolidation',
  'Pn.': 'Pneumonia',
  'At.': 'Atelectasis',
  'Pt.': 'Pneumothorax',
  PE: 'Pleural Effusion',
  PO: 'Pleural Other',
  'Fr.': 'Fracture',
};

const ABBREVIATION_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(CHEXPERT_ABBREVIATIONS).map(([abbr, name]) => [normaliseLabel(name), abbr]),
);

/** Case, spacing and `_`/`-` insensitive, so `pleural_effusion` and `Pleural Effusion` are the same label. */
export function normaliseLabel(label: string): string {
  return label.toLowerCase().replace(/[\s_-]+/g, ' ').trim();
}

/** The full CheXpert name for a figure abbreviation, or undefined if it is not one. */
export function chexpertLabelName(abbreviation: string): string | undefined {
  return CHEXPERT_ABBREVIATIONS[abbreviation];
}

/** The figures' abbreviation for a label when it is a CheXpert observation; otherwise the label itself. */
export function labelAbbreviation(label: string): string {
  return ABBREVIATION_OF[normaliseLabel(label)] ?? label;
}

export function sameLabel(a: string, b: string): boolean {
  return normaliseLabel(a) === normaliseLabel(b);
}

/**
 * The legend name of a bar, as the paper writes it: `DenseNet121-TL`, `CBR-Small-RI`, `Dens-T2`, `Dens-F`.
 * DenseNet121 truncations use the paper's `Dens-` prefix; other truncated models get `<model>-<level>`.
 * `withInit` adds the init suffix, which TL-vs-RI figures need and truncation figures (all TL) leave out.
 */
export function contenderName(
  bar: { model: string; init: Init; truncation?: string },
  withInit = true,
): string {
  let base = bar.model;
  if (bar.truncation !== undefined) {
    base = bar.model === 'DenseNet121' ? `Dens-${bar.truncation}` : `${bar.model}-${bar.truncation}`;
  }
  return withInit ? `${base}-${bar.init}` : base;
}

/** `0.05` -> `5%`, `1` -> `100%`, `0.125` -> `12.5%`. */
export function formatFraction(fraction: number | undefined): string {
  const f = fraction ?? 1;
  const pct = Math.round(f * 1e6) / 1e4;
  return `${pct}%`;
}

/** A difference with its sign ("+0.012", "−0.040"); one that rounds to zero at `digits` has none ("0.000", never "−0.000"). */
export function formatSigned(x: number, digits: number): string {
  const text = Math.abs(x).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${x > 0 ? '+' : '−'}${text}`;
}
