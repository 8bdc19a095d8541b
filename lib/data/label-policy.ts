/**
 * Uncertainty policies for report-mined labels (Irvin et al., AAAI 2019). Blank ("not mentioned") is negative
 * under every policy, as in the paper's code (`df.fillna(0)`); the policies differ only for -1 (uncertain).
 */
export type UncertaintyPolicy = 'u-ones' | 'u-zeros' | 'u-ignore';
/** 'binary' accepts only 0 and 1: for sets whose labels are not report-mined. */
export type LabelPolicy = UncertaintyPolicy | 'binary';

export const LABEL_POLICIES: readonly LabelPolicy[] = ['u-ones', 'u-zeros', 'u-ignore', 'binary'];

/** label and whether it counts (mask 1), or the reason the cell is not allowed under the policy. */
export type LabelCell = { label: 0 | 1; counts: boolean } | { error: string };

export function applyLabelPolicy(cell: string, policy: LabelPolicy): LabelCell {
  const text = cell.trim();
  const value = text === '' ? NaN : Number(text);
  if (text !== '' && !Number.isFinite(value)) return { error: `value "${cell}" is not a number` };
  if (value === 1) return { label: 1, counts: true };
  if (value === 0) return { label: 0, counts: true };
  if (policy === 'binary') {
    return { error: `value "${cell}" is not allowed by the 'binary' label policy (only 0 or 1)` };
  }
  if (text === '') return { label: 0, counts: true };
  if (value === -1) {
    if (policy === 'u-ones') return { label: 1, counts: true };
    if (policy === 'u-zeros') return { label: 0, counts: true };
    return { label: 0, counts: false };
  }
  return { error: `value "${cell}" is not one of 1, 0, -1 or blank` };
}
