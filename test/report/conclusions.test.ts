import { describe, expect, it } from 'vitest';
import { ReportInputError, computeConclusions, conclusionsMarkdown } from '../../lib/report';
import { bothMetrics, cell } from './cells';

describe('computeConclusions: best bar per label', () => {
  it('picks the highest mean and calls it clear only when the error bars do not overlap', () => {
    const cells = [
      cell({ model: 'DenseNet121', label: 'Edema', metric: 'AUROC', mean: 0.8, spread: 0.01 }),
      cell({ model: 'ResNet50', label: 'Edema', metric: 'AUROC', mean: 0.77, spread: 0.01 }), // 0.79 > 0.78: clear
      cell({ model: 'DenseNet121', label: 'Fracture', metric: 'AUROC', mean: 0.8, spread: 0.02 }),
      cell({ model: 'ResNet50', label: 'Fracture', metric: 'AUROC', mean: 0.77, spread: 0.02 }), // 0.78 < 0.79: not clear
    ];
    const { winners } = computeConclusions(cells);
    // All bars are TL, so names carry no init suffix (as in the paper's truncation figures).
    expect(winners.map((w) => [w.label, w.winners, w.clear])).toEqual([
      ['Edema', ['DenseNet121'], true],
      ['Fracture', ['DenseNet121'], false],
    ]);
    expect(winners[0].margin).toBeCloseTo(0.03, 12);
    expect(winners[0].runnerUp?.name).toBe('ResNet50');
  });

  it('reports ties within the tolerance as several winners, never as a clear win', () => {
    const cells = [
      cell({ model: 'A', label: 'x', metric: 'AUPRC', mean: 0.3004, spread: 0 }),
      cell({ model: 'B', label: 'x', metric: 'AUPRC', mean: 0.3, spread: 0 }),
      cell({ model: 'C', label: 'x', metric: 'AUPRC', mean: 0.2, spread: 0 }),
    ];
    const [w] = computeConclusions(cells).winners;
    expect(w.winners).toEqual(['A', 'B']);
    expect(w.clear).toBe(false);
    // A tighter tolerance splits the tie.
    expect(computeConclusions(cells, { tieTolerance: 1e-4 }).winners[0].winners).toEqual(['A']);
    // Ties count as a win for each tied bar.
    const counts = computeConclusions(cells).winCounts;
    expect(counts.map((c) => [c.name, c.wins, c.of])).toEqual([
      ['A', 1, 1],
      ['B', 1, 1],
      ['C', 0, 1],
    ]);
  });

  it('never calls a single-run win clear, even with a large margin', () => {
    const cells = [
      cell({ model: 'A', label: 'x', metric: 'AUROC', mean: 0.9, spread: 0, n: 1 }),
      cell({ model: 'B', label: 'x', metric: 'AUROC', mean: 0.6, spread: 0, n: 1 }),
    ];
    expect(computeConclusions(cells).winners[0]).toMatchObject({ winners: ['A'], clear: false });
  });

  it('leaves unavailable and failed bars out of the comparison and lists them with their reason', () => {
    const cells = [
      cell({ model: 'DenseNet121', label: 'x', metric: 'AUROC', mean: NaN, status: 'unavailable', reason: 'no ImageNet weights' }),
      cell({ model: 'CBR-Small', label: 'x', metric: 'AUROC', mean: 0.6 }),
      cell({ model: 'CBR-Tiny', label: 'x', metric: 'AUROC', mean: 0.95, status: 'failed', reason: 'out of memory' }),
      cell({ model: 'CBR-Tiny', label: 'y', metric: 'AUROC', mean: NaN, status: 'failed' }),
    ];
    const f = computeConclusions(cells);
    expect(f.winners[0]).toMatchObject({ winners: ['CBR-Small'], compared: 1, clear: false });
    expect(f.winners[0].runnerUp).toBeUndefined();
    expect(f.winners[1]).toMatchObject({ label: 'y', winners: [], compared: 0 });
    expect(f.missing.map((m) => [m.name, m.status, m.reason])).toEqual([
      ['DenseNet121', 'unavailable', 'no ImageNet weights'],
      ['CBR-Tiny', 'failed', 'out of memory'],
      ['CBR-Tiny', 'failed', undefined],
    ]);
  });

  it('judges each training fraction separately', () => {
    const cells = [
      cell({ figure: 'fig6', model: 'A', label: 'covid', metric: 'AUROC', fraction: 0.25, mean: 0.9 }),
      cell({ figure: 'fig6', model: 'B', label: 'covid', metric: 'AUROC', fraction: 0.25, mean: 0.7 }),
      cell({ figure: 'fig6', model: 'A', label: 'covid', metric: 'AUROC', fraction: 1, mean: 0.7 }),
      cell({ figure: 'fig6', model: 'B', label: 'covid', metric: 'AUROC', fraction: 1, mean: 0.9 }),
    ];
    const f = computeConclusions(cells);
    expect(f.winners.map((w) => [w.fraction, w.winners])).toEqual([
      [0.25, ['A']],
      [1, ['B']],
    ]);
    expect(f.tlVsRi).toEqual([]);
  });
});

describe('computeConclusions: TL vs RI', () => {
  const pair = (tl: Partial<{ mean: number; spread: number; n: number }>, ri: Partial<{ mean: number; spread: number; n: number }>) => [
    cell({ model: 'ResNet50', init: 'TL', label: 'Pneumothorax', metric: 'AUPRC', ...tl }),
    cell({ model: 'ResNet50', init: 'RI', label: 'Pneumothorax', metric: 'AUPRC', ...ri }),
  ];

  it('TL beats RI when the difference of means exceeds the sum of spreads', () => {
    // paper-facts §5.1, ResNet50 Pt. AUPRC: TL 0.313 ± 0.013, RI 0.223 ± 0.002
    const [f] = computeConclusions(pair({ mean: 0.313, spread: 0.013 }, { mean: 0.223, spread: 0.002 })).tlVsRi;
    expect(f).toMatchObject({ name: 'ResNet50', verdict: 'TL', direction: 'TL' });
    expect(f.difference).toBeCloseTo(0.09, 12);
  });

  it('RI beats TL symmetrically, and a difference equal to the summed spreads is within the spread', () => {
    expect(computeConclusions(pair({ mean: 0.5, spread: 0.01 }, { mean: 0.53, spread: 0.01 })).tlVsRi[0].verdict).toBe('RI');
    const edge = computeConclusions(pair({ mean: 0.5, spread: 0.25 }, { mean: 0, spread: 0.25 })).tlVsRi[0];
    expect(edge).toMatchObject({ verdict: 'within-spread', direction: 'TL' });
  });

  it('draws no verdict from single runs, only a direction', () => {
    const [f] = computeConclusions(pair({ mean: 0.6, spread: 0, n: 1 }, { mean: 0.5, spread: 0, n: 3 })).tlVsRi;
    expect(f).toMatchObject({ verdict: 'single-run', direction: 'TL' });
    const [tie] = computeConclusions(pair({ mean: 0.5, n: 1, spread: 0 }, { mean: 0.5002, n: 1, spread: 0 })).tlVsRi;
    expect(tie.direction).toBe('tie');
  });

  it('marks a pair with a missing bar unavailable, with the reason', () => {
    const cells = [
      cell({ model: 'DenseNet121', init: 'TL', label: 'x', metric: 'AUROC', status: 'unavailable', mean: NaN, reason: 'weights absent' }),
      cell({ model: 'DenseNet121', init: 'RI', label: 'x', metric: 'AUROC', mean: 0.7 }),
    ];
    const [f] = computeConclusions(cells).tlVsRi;
    expect(f).toMatchObject({ verdict: 'unavailable', reason: 'TL unavailable: weights absent' });
    expect(f.difference).toBeUndefined();
  });

  it('pairs truncated bars by truncation level and fraction', () => {
    const cells = [
      cell({ figure: 'fig6', model: 'DenseNet121', truncation: 'T1', init: 'TL', label: 'c', metric: 'AUROC', fraction: 0.5, mean: 0.8 }),
      cell({ figure: 'fig6', model: 'DenseNet121', truncation: 'T1', init: 'RI', label: 'c', metric: 'AUROC', fraction: 0.5, mean: 0.6 }),
      cell({ figure: 'fig6', model: 'DenseNet121', truncation: 'T2', init: 'RI', label: 'c', metric: 'AUROC', fraction: 0.5, mean: 0.9 }),
    ];
    const f = computeConclusions(cells).tlVsRi;
    expect(f).toHaveLength(1); // T2 has no TL bar: nothing to pair
    expect(f[0]).toMatchObject({ name: 'Dens-T1', truncation: 'T1', fraction: 0.5, verdict: 'TL' });
  });
});

describe('computeConclusions: AUROC vs AUPRC disagreements', () => {
  it('finds panels whose best bar differs by metric, but not when a tie shares the winner', () => {
    const cells = [
      ...bothMetrics({ model: 'A', label: 'x' }, 0.8, 0.2),
      ...bothMetrics({ model: 'B', label: 'x' }, 0.7, 0.3), // AUROC: A, AUPRC: B
      ...bothMetrics({ model: 'A', label: 'y' }, 0.8, 0.3),
      ...bothMetrics({ model: 'B', label: 'y' }, 0.8, 0.2), // AUROC: A = B tie, AUPRC: A: no disagreement
    ];
    const f = computeConclusions(cells);
    expect(f.disagreements).toEqual([{ kind: 'best-bar', figure: 'fig3', label: 'x', byAUROC: 'A', byAUPRC: 'B' }]);
  });

  it('finds TL/RI pairs whose direction flips between metrics', () => {
    const cells = [
      ...bothMetrics({ model: 'M', init: 'TL', label: 'x' }, 0.8, 0.2),
      ...bothMetrics({ model: 'M', init: 'RI', label: 'x' }, 0.7, 0.3),
      ...bothMetrics({ model: 'M', init: 'TL', label: 'y' }, 0.8, 0.3),
      ...bothMetrics({ model: 'M', init: 'RI', label: 'y' }, 0.7, 0.3), // AUPRC tie: not a disagreement
    ];
    const flips = computeConclusions(cells).disagreements.filter((d) => d.kind === 'tl-vs-ri');
    expect(flips).toEqual([{ kind: 'tl-vs-ri', figure: 'fig3', label: 'x', name: 'M', byAUROC: 'TL', byAUPRC: 'RI' }]);
  });
});

describe('computeConclusions: input validation', () => {
  it('rejects a bar listed twice, naming it', () => {
    const c = cell({ model: 'A', label: 'x', metric: 'AUROC' });
    expect(() => computeConclusions([c, { ...c }])).toThrowError(ReportInputError);
    expect(() => computeConclusions([c, { ...c }])).toThrowError('bar listed twice: fig3 | A-TL | 100% | x | AUROC');
  });

  it('rejects an ok bar with a NaN mean, a negative spread or no runs', () => {
    expect(() => computeConclusions([cell({ model: 'A', label: 'x', metric: 'AUROC', mean: NaN })])).toThrowError(/mean must be in \[0, 1\]/);
    expect(() => computeConclusions([cell({ model: 'A', label: 'x', metric: 'AUROC', spread: -0.1 })])).toThrowError(/spread/);
    expect(() => computeConclusions([cell({ model: 'A', label: 'x', metric: 'AUROC', n: 0 })])).toThrowError(/n must be/);
  });
});

describe('conclusionsMarkdown', () => {
  const cells = [
    ...bothMetrics({ model: 'DenseNet121', init: 'TL', label: 'Pneumothorax' }, 0.8, 0.36),
    ...bothMetrics({ model: 'DenseNet121', init: 'RI', label: 'Pneumothorax' }, 0.76, 0.29),
    ...bothMetrics({ model: 'CBR-Small', init: 'TL', label: 'Pneumothorax' }, 0.81, 0.3),
    cell({ model: 'ResNet50', init: 'TL', label: 'Pneumothorax', metric: 'AUROC', status: 'unavailable', mean: NaN, reason: 'no weights' }),
  ];

  it('states every finding from the data: winners, the TL/RI table, disagreements, missing bars', () => {
    const md = conclusionsMarkdown(computeConclusions(cells));
    expect(md).toContain('| Pt. | CBR-Small-TL: 0.810 ± 0.010 (within spread) | DenseNet121-TL: 0.360 ± 0.010 (clear) | **no** |');
    expect(md).toContain('Of 2 TL/RI pairs (bar × label × metric): TL beats RI by more than the spread in 2');
    expect(md).toContain('| DenseNet121 | Pt. | 100% | AUPRC | 0.360 ± 0.010 | 0.290 ± 0.010 | +0.070 | **TL** |');
    expect(md).toContain('- fig3, Pt.: best bar is CBR-Small-TL by AUROC but DenseNet121-TL by AUPRC.');
    expect(md).toContain('- ResNet50-TL — unavailable: no weights (1 bar).');
    expect(md).not.toContain('SYNTHETIC');
  });

  it('changes when the data changes (nothing typed in by hand)', () => {
    const flipped = cells.map((c) => (c.model === 'CBR-Small' && c.metric === 'AUROC' ? { ...c, mean: 0.7 } : c));
    const md = conclusionsMarkdown(computeConclusions(flipped));
    expect(md).toContain('Nowhere: the two metrics pick the same winner');
    expect(md).toContain('| Pt. | DenseNet121-TL: 0.800 ± 0.010 (clear) |');
  });

  it('warns on synthetic data', () => {
    expect(conclusionsMarkdown(computeConclusions(cells), { synthetic: true })).toMatch(/^> \*\*SYNTHETIC DATA\.\*\*/);
  });
});

describe('conclusionsMarkdown with nothing to compare', () => {
  it('says so instead of claiming the metrics agree, and groups missing bars by reason', () => {
    const cells = ['T1', 'T2'].flatMap((truncation) =>
      bothMetrics({ figure: 'fig7', model: 'DenseNet121', truncation, label: 'x', status: 'unavailable', reason: 'no weights', spread: 0, n: 0 }, NaN, NaN),
    );
    const md = conclusionsMarkdown(computeConclusions(cells));
    expect(md).toContain('Nothing to compare yet: no panel has two bars with values.');
    expect(md).not.toContain('Nowhere');
    expect(md).toContain('- Dens-T1, Dens-T2 — unavailable: no weights (4 bars).');
  });
});

describe('conclusionsMarkdown with single runs', () => {
  it('does not call a single-run winner "within spread"', () => {
    const cells = [
      cell({ model: 'A', label: 'x', metric: 'AUROC', mean: 0.6, spread: 0, n: 1 }),
      cell({ model: 'B', label: 'x', metric: 'AUROC', mean: 0.5, spread: 0, n: 1 }),
    ];
    const md = conclusionsMarkdown(computeConclusions(cells));
    expect(md).toContain('| x | A: 0.600 (1 run) | — | — |');
  });
});
