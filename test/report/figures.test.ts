import { describe, expect, it } from 'vitest';
import { barsFrame, FIGURES, figureSections } from '../../lib/report/figures';
import { bothMetrics } from './cells';

const cells = [
  ...bothMetrics({ figure: 'fig4', model: 'ResNet50K', init: 'TL', fraction: 1, label: 'covid19' }, 0.8, 0.9),
  ...bothMetrics({ figure: 'fig4', model: 'ResNet50K', init: 'RI', fraction: 1, label: 'covid19' }, 0.7, 0.85),
  ...bothMetrics({ figure: 'fig4', model: 'DenseNet121', init: 'TL', fraction: 1, label: 'covid19', status: 'unavailable', reason: 'weights missing', n: 0 }, NaN, NaN),
];
const testCounts = [{ label: 'covid19', positives: 31, negatives: 14 }];

describe('figureSections', () => {
  it("gives a figure notebook its two charts, named and sized as the figure's spec says, and every paragraph", () => {
    const s = figureSections(FIGURES.fig4, { cells, paper: [], synthetic: false, testCounts });
    expect(s.panels.map((p) => [p.name, p.width, p.height])).toEqual([
      ['fig4-tl-vs-ri-covid-auroc', 1100, 520],
      ['fig4-tl-vs-ri-covid-auprc', 1100, 520],
    ]);
    expect(s.panels[0]!.input.title).toMatch(/^Fig\. 4 — TL vs RI, COVID: AUROC/);
    expect(s.missingBars).toMatch(/DenseNet121-TL .*weights missing/);
    expect(s.conclusions).toMatch(/TL vs RI/);
    expect(s.testSet).toMatch(/31 positives and 14 negatives/);
    expect(s.findings.tlVsRi.find((f) => f.metric === 'AUROC')!.difference).toBeCloseTo(0.1, 12);
  });

  it("a second profile's charts carry its name in the title and the file names; synthetic data says so", () => {
    const s = figureSections(FIGURES.fig4, { cells, paper: [], synthetic: true, testCounts, profileSuffix: 'cpu' });
    expect(s.panels.map((p) => p.name)).toEqual(['fig4-tl-vs-ri-covid-cpu-auroc', 'fig4-tl-vs-ri-covid-cpu-auprc']);
    expect(s.panels[1]!.input.title).toMatch(/^SYNTHETIC DATA — Fig\. 4 — TL vs RI, COVID \(cpu profile\): AUPRC/);
    expect(s.conclusions).toMatch(/SYNTHETIC DATA/);
  });
});

describe('barsFrame', () => {
  it('is one DataFrame row per bar and metric, with the numbers the charts draw', () => {
    const frame = barsFrame(cells);
    expect(frame.columns).toEqual(['bar', 'label', 'fraction', 'metric', 'mean', 'sd', 'ci_low', 'ci_high', 'runs', 'status', 'reason']);
    expect(frame.shape).toEqual([6, 11]);
    const values = frame.values as unknown[][];
    expect(values[0]!.slice(0, 5)).toEqual(['ResNet50K-TL', 'covid19', 1, 'AUROC', 0.8]);
    expect(values[4]![4]).toBeNull();
  });
});
