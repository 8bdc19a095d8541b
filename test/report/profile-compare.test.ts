import { describe, expect, it } from 'vitest';
import { compareProfiles, profileComparisonMarkdown, profileComparisonSummary } from '../../lib/report';
import { cell } from './cells';

const quick = [
  cell({ figure: 'fig4', model: 'ResNet50K', init: 'TL', fraction: 1, label: 'covid19', metric: 'AUROC', mean: 0.6, spread: 0.05, n: 3, ci: { lower: 0.5, upper: 0.7 } }),
  cell({ figure: 'fig4', model: 'ResNet50K', init: 'RI', fraction: 1, label: 'covid19', metric: 'AUROC', mean: 0.5, spread: 0.04, n: 3, ci: { lower: 0.4, upper: 0.6 } }),
  cell({ figure: 'fig4', model: 'ResNet50K', init: 'TL', fraction: 1, label: 'covid19', metric: 'AUPRC', mean: 0.8, n: 3 }),
  cell({ figure: 'fig4', model: 'DenseNet121', init: 'TL', fraction: 1, label: 'covid19', metric: 'AUROC', mean: NaN, n: 0, status: 'unavailable', reason: 'no weights' }),
];
const cpu = [
  cell({ figure: 'fig4', model: 'ResNet50K', init: 'TL', fraction: 1, label: 'covid19', metric: 'AUROC', mean: 0.9, spread: 0, n: 1, ci: { lower: 0.8, upper: 0.97 } }),
  cell({ figure: 'fig4', model: 'ResNet50K', init: 'RI', fraction: 1, label: 'covid19', metric: 'AUROC', mean: 0.45, spread: 0, n: 1, ci: { lower: 0.3, upper: 0.65 } }),
  cell({ figure: 'fig4', model: 'ResNet50K', init: 'TL', fraction: 1, label: 'covid19', metric: 'AUPRC', mean: NaN, n: 0, status: 'unavailable', reason: 'not in the results store' }),
  cell({ figure: 'fig4', model: 'CBR-Small', init: 'RI', fraction: 0.5, label: 'covid19', metric: 'AUROC', mean: 0.7, n: 1 }),
];
const cbrTiny = { figure: 'fig4', model: 'CBR-Tiny', init: 'TL', fraction: 0.5, label: 'covid19', metric: 'AUROC' } as const;

describe('compareProfiles', () => {
  it('pairs bars by model, init, fraction, label and metric, and keeps bars only one profile has', () => {
    const rows = compareProfiles(quick, cpu);
    expect(rows.map((r) => `${r.bar}|${r.metric}`)).toEqual([
      'ResNet50K-TL|AUROC',
      'ResNet50K-RI|AUROC',
      'ResNet50K-TL|AUPRC',
      'DenseNet121-TL|AUROC',
      'CBR-Small-RI|AUROC',
    ]);
    expect(rows[0].difference).toBeCloseTo(0.3, 12);
    expect(rows[1].difference).toBeCloseTo(-0.05, 12);
    // A bar without a value on either side has no difference, never NaN.
    expect(rows[2].difference).toBeUndefined();
    expect(rows[3].difference).toBeUndefined();
    expect(rows[4].base).toBeUndefined();
  });

  it('calls two bars separated only when both test-set CIs exist and do not overlap', () => {
    const rows = compareProfiles(quick, cpu);
    expect(rows[0].separated).toBe(true); // [0.5, 0.7] vs [0.8, 0.97]
    expect(rows[1].separated).toBe(false); // [0.4, 0.6] vs [0.3, 0.65]
    expect(rows[2].separated).toBeUndefined();
  });

  it('summarises per metric and renders every row with its interval', () => {
    const rows = compareProfiles(quick, cpu);
    const [auroc, auprc] = profileComparisonSummary(rows);
    expect(auroc).toMatchObject({ metric: 'AUROC', both: 2, otherHigher: 1, separated: 1 });
    expect(auroc.meanDifference).toBeCloseTo(0.125, 12);
    expect(auprc).toMatchObject({ metric: 'AUPRC', both: 0, otherHigher: 0 });
    const md = profileComparisonMarkdown(rows, { baseName: 'quick', otherName: 'cpu' });
    expect(md).toContain('cpu is higher than quick on 1 of 2 bars (mean difference +0.125)');
    expect(md).toContain('AUPRC: no bar has a value under both profiles yet');
    expect(md).toContain('| ResNet50K-TL | covid19 | 100% | AUROC | 0.600 ± 0.050 [0.500, 0.700] (n=3) | 0.900 [0.800, 0.970] (n=1) | +0.300 * |');
    // A bar with no value under either profile is counted, not listed.
    expect(md).not.toContain('| DenseNet121-TL |');
    expect(md).toContain('1 bars have no value under either profile');
    // A bar without a value says why, so a run not yet trained reads differently from one that cannot run here.
    expect(md).toContain('| ResNet50K-TL | covid19 | 100% | AUPRC | 0.800 ± 0.010 (n=3) | not in the results store | — |');
  });

  it('names the first clause of the reason a bar has no value', () => {
    const cannotRun = cell({ ...cbrTiny, mean: NaN, n: 0, status: 'unavailable', reason: 'unavailable: weights missing (no ImageNet-pretrained CBR-tiny checkpoint)' });
    const md = profileComparisonMarkdown(compareProfiles([cell({ ...cbrTiny, mean: 0.55, n: 3 })], [cannotRun]), { baseName: 'quick', otherName: 'cpu' });
    expect(md).toContain('| CBR-Tiny-TL | covid19 | 50% | AUROC | 0.550 ± 0.010 (n=3) | unavailable: weights missing | — |');
  });
});
