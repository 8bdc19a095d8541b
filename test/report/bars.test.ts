import { describe, expect, it } from 'vitest';
import { groupedBarFigure } from '../../lib/plots/grouped-bar';
import { barPanel } from '../../lib/report';
import { loadPaperValues } from '../../lib/report/io/index';
import { figureCaption, figurePanels, missingBarsMarkdown } from '../../lib/report/bars';
import { readerReason, shortReason, statusText } from '../../lib/report/cells';
import { formatSigned } from '../../lib/report/labels';
import { cell } from './cells';

const paper = loadPaperValues();

describe('barPanel', () => {
  it('lays out a CheXpert TL-vs-RI panel: labels on x, one series per bar, paper markers where they match', () => {
    const cells = [
      cell({ model: 'DenseNet121', init: 'TL', label: 'Pneumothorax', metric: 'AUPRC', mean: 0.35, spread: 0.01 }),
      cell({ model: 'DenseNet121', init: 'RI', label: 'Pneumothorax', metric: 'AUPRC', mean: 0.3, spread: 0.02 }),
      cell({ model: 'DenseNet121', init: 'TL', label: 'Fracture', metric: 'AUPRC', mean: 0.12, spread: 0, n: 1 }),
      cell({ model: 'DenseNet121', init: 'RI', label: 'Fracture', metric: 'AUPRC', mean: 0.1, spread: 0.02 }),
      cell({ model: 'DenseNet121', init: 'TL', label: 'Fracture', metric: 'AUROC', mean: 0.7 }), // other metric: not in the panel
    ];
    const input = barPanel(cells, { figure: 'fig3', metric: 'AUPRC', groupBy: 'label', paper });
    expect(input.groups).toEqual(['Pt.', 'Fr.']);
    expect(input.series).toEqual(['DenseNet121-TL', 'DenseNet121-RI']);
    expect(input.values).toEqual([
      [0.35, 0.12],
      [0.3, 0.1],
    ]);
    // No error bar from a single run.
    expect(input.errors).toEqual([
      [0.01, null],
      [0.02, 0.02],
    ]);
    // paper-facts §5.1 AUPRC: DenseNet121-TL Pt. 0.363, Fr. 0.131; RI Pt. 0.288, Fr. 0.120
    expect(input.reference?.values).toEqual([
      [0.363, 0.131],
      [0.288, 0.12],
    ]);
    expect(() => groupedBarFigure(input)).not.toThrow();
  });

  it('keeps the slot of a bar that could not be run and says why in its legend entry', () => {
    const cells = [0.25, 1].flatMap((fraction) => [
      cell({ figure: 'fig6', model: 'CBR-Small', label: 'covid19', metric: 'AUROC', fraction, mean: 0.8 }),
      cell({ figure: 'fig6', model: 'DenseNet121', truncation: 'T1', label: 'covid19', metric: 'AUROC', fraction, mean: NaN, status: 'unavailable', reason: 'no DenseNet121 ImageNet weights' }),
    ]);
    const input = barPanel(cells, { figure: 'fig6', metric: 'AUROC', groupBy: 'fraction', paper });
    expect(input.groups).toEqual(['25%', '100%']);
    expect(input.series).toEqual(['CBR-Small', 'Dens-T1 (unavailable: no DenseNet121 ImageNet weights)']);
    expect(input.values).toEqual([
      [0.8, 0.8],
      [null, null],
    ]);
    // 25% is not a paper fraction. At 100% the paper's markers show even where our bar is missing (fig6 100%
    // AUROC: CBR-Small 0.854, Dens-T1 0.867), so the reader sees what was not reproduced.
    expect(input.reference?.values).toEqual([
      [null, 0.854],
      [null, 0.867],
    ]);
    const fig = groupedBarFigure(input);
    expect((fig.layout.annotations as unknown[]).length).toBe(2); // two "n/a" notes
  });

  it('filters a label-grouped panel to one fraction', () => {
    const cells = [0.5, 1].map((fraction) => cell({ figure: 'fig4', model: 'CBR-Tiny', label: 'covid19', metric: 'AUROC', fraction, mean: fraction }));
    const input = barPanel(cells, { figure: 'fig4', metric: 'AUROC', groupBy: 'label', fraction: 0.5 });
    expect(input.values).toEqual([[0.5]]);
    expect(input.reference).toBeUndefined();
  });
});

describe('shortReason', () => {
  it('keeps the head of a long runner reason for the legend', () => {
    expect(shortReason('unavailable: weights missing (torchvision densenet121 ImageNet safetensors not found at /x)')).toBe('unavailable: weights missing');
    expect(shortReason('x'.repeat(60))).toBe(`${'x'.repeat(47)}…`);
  });
});

describe('readerReason and statusText', () => {
  const stored =
    "unavailable: weights missing (torchvision densenet121 ImageNet safetensors not found at ~/.cache/rethink-tl/weights/torchvision/densenet121.tv_in1k.safetensors; run 'rethink-tl weights densenet121' or pass --weights densenet121=<file>)";

  it("names the weights cache instead of the path to it on the machine that made the run", () => {
    expect(readerReason(stored)).toBe(
      "unavailable: weights missing (torchvision densenet121 ImageNet safetensors not in the weights cache; run 'rethink-tl weights densenet121' or pass --weights densenet121=<file>)",
    );
    expect(readerReason('copy it into /home/me/.cache/rethink-tl/weights/hub/checkpoints/x.pth first')).toBe('copy it into the weights cache first');
    expect(readerReason('out of memory at epoch 3')).toBe('out of memory at epoch 3');
  });

  it('gives the whole reason as a reader sees it, or its head where a table repeats it per bar', () => {
    expect(statusText('unavailable', stored)).toBe(readerReason(stored));
    expect(statusText('unavailable', stored, 'short')).toBe('unavailable: weights missing');
    expect(statusText('failed', 'out of memory (batch 8)', 'short')).toBe('failed: out of memory');
    expect(statusText('unavailable')).toBe('unavailable');
  });
});

describe('formatSigned', () => {
  it('signs a difference, and never prints a signed zero', () => {
    expect(formatSigned(0.0123, 3)).toBe('+0.012');
    expect(formatSigned(-0.04, 3)).toBe('−0.040');
    expect(formatSigned(-0.0004, 3)).toBe('0.000');
    expect(formatSigned(0, 2)).toBe('0.00');
  });
});

describe('figureCaption', () => {
  const bar = (init: 'TL' | 'RI', n: number, extra: Partial<Parameters<typeof cell>[0]> = {}) =>
    (['AUROC', 'AUPRC'] as const).map((metric) => cell({ figure: 'fig4', model: 'CBR-Small', init, label: 'covid19', metric, fraction: 1, mean: 0.7, n, ...extra }));

  it('says SD over seeds when bars average several runs, and which bars have none', () => {
    const text = figureCaption([...bar('TL', 3), ...bar('RI', 1)], { figure: 'fig4', paperMarkers: true });
    expect(text).toMatch(/^Bars: mean over seeds of the test-set metric .*; 1–3 runs per bar\./);
    expect(text).toContain('Error bars: ± one standard deviation over seeds (none on a bar that rests on one run)');
    expect(text).toContain("◆: the paper's value");
  });

  it('says test-set bootstrap intervals when every bar rests on one run, as the chart draws them', () => {
    const ci = { lower: 0.6, upper: 0.8 };
    const text = figureCaption([...bar('TL', 1, { ci }), ...bar('RI', 1, { ci })], { figure: 'fig4', paperMarkers: false });
    expect(text).toMatch(/^Bars: the test-set metric at each run's selected epoch .*; 1 run per bar\./);
    expect(text).toContain("Error bars: each bar's 95% test-set bootstrap interval");
    expect(text).not.toContain('standard deviation');
    expect(text).not.toContain('◆');
    expect(figureCaption(bar('TL', 1), { figure: 'fig4', paperMarkers: false })).toContain('Error bars: none');
  });
});

describe('barPanel grouped by bar (Figs. 4, 6 layout)', () => {
  const cells = [0.25, 1].flatMap((fraction) => [
    cell({ figure: 'fig4', model: 'CBR-Small', init: 'TL', label: 'covid19', metric: 'AUROC', fraction, mean: 0.8 }),
    cell({ figure: 'fig4', model: 'CBR-Small', init: 'RI', label: 'covid19', metric: 'AUROC', fraction, mean: 0.7 }),
    cell({ figure: 'fig4', model: 'DenseNet121', init: 'TL', label: 'covid19', metric: 'AUROC', fraction, mean: NaN, status: 'unavailable', reason: 'unavailable: weights missing (no file)' }),
    cell({ figure: 'fig4', model: 'DenseNet121', init: 'RI', label: 'covid19', metric: 'AUROC', fraction, mean: 0.75 }),
  ]);

  it('puts models on x and init × fraction in the legend', () => {
    const input = barPanel(cells, { figure: 'fig4', metric: 'AUROC', groupBy: 'bar', paper });
    expect(input.groups).toEqual(['CBR-Small', 'DenseNet121']);
    expect(input.series).toEqual(['TL 25%', 'RI 25%', 'TL 100%', 'RI 100%']);
    expect(input.values).toEqual([
      [0.8, null],
      [0.7, 0.75],
      [0.8, null],
      [0.7, 0.75],
    ]);
    // paper-facts §5.3 AUROC at 100%: CBR-Small TL 0.854, RI 0.848; DenseNet121 TL 0.813, RI 0.786.
    expect(input.reference?.values).toEqual([
      [null, null],
      [null, null],
      [0.854, 0.813],
      [0.848, 0.786],
    ]);
  });

  it('names the empty slots and why, once per bar', () => {
    expect(missingBarsMarkdown(cells)).toBe('**Empty slots in the charts:**\n- DenseNet121-TL (25%, 100%) — unavailable: weights missing (no file)');
    expect(missingBarsMarkdown(cells.filter((c) => c.status === 'ok'))).toBe('');
  });
});

describe('figurePanels', () => {
  it('gives an AUROC and an AUPRC chart, puts bars on x for a single-label dataset, and flags synthetic data', () => {
    const cells = ['TL', 'RI'].flatMap((init) =>
      ['AUROC', 'AUPRC'].map((metric) => cell({ figure: 'fig3', model: 'ResNet50K', init: init as 'TL' | 'RI', label: 'opacity', metric: metric as 'AUROC' | 'AUPRC' })),
    );
    const panels = figurePanels(cells, { figure: 'fig3', groupBy: 'label', title: 'Fig. 3', synthetic: true, name: 'fig3' });
    expect(panels.map((p) => [p.metric, p.name])).toEqual([
      ['AUROC', 'fig3-auroc'],
      ['AUPRC', 'fig3-auprc'],
    ]);
    expect(panels[0].input.groups).toEqual(['ResNet50K']);
    expect(panels[0].input.series).toEqual(['TL', 'RI']);
    expect(panels[0].input.title).toBe('SYNTHETIC DATA — Fig. 3: AUROC (mean ± SD over seeds)');
  });
});

describe('barPanel error bars', () => {
  it('omits error bars entirely when no bar averages two runs', () => {
    const cells = [cell({ model: 'A', label: 'x', metric: 'AUROC', n: 1, spread: 0 }), cell({ model: 'B', label: 'x', metric: 'AUROC', n: 1, spread: 0 })];
    expect(barPanel(cells, { figure: 'fig3', metric: 'AUROC', groupBy: 'label' }).errors).toBeUndefined();
  });
});

describe('error bars from test-set intervals (single-seed profiles)', () => {
  const single = [
    cell({ figure: 'fig4', model: 'ResNet50K', init: 'TL', fraction: 1, label: 'covid19', metric: 'AUROC', mean: 0.8, spread: 0, n: 1, ci: { lower: 0.7, upper: 0.86 } }),
    cell({ figure: 'fig4', model: 'ResNet50K', init: 'RI', fraction: 1, label: 'covid19', metric: 'AUROC', mean: 0.6, spread: 0, n: 1, ci: { lower: 0.45, upper: 0.74 } }),
    cell({ figure: 'fig4', model: 'CBR-Tiny', init: 'RI', fraction: 1, label: 'covid19', metric: 'AUROC', mean: 0.7, spread: 0, n: 1 }),
  ];

  it('draws each single-run bar with its asymmetric 95% CI and says so in the title', () => {
    const [auroc] = figurePanels(single, { figure: 'fig4', groupBy: 'bar', title: 'Fig. 4', name: 'f' });
    expect(auroc.input.title).toBe('Fig. 4: AUROC (bars: 95% test-set bootstrap CI)');
    const flat = (rows: readonly (readonly (number | null)[])[] | undefined) => rows?.flat().filter((v) => v !== null) as number[];
    expect(flat(auroc.input.errors)?.map((v) => +v.toFixed(6)).sort()).toEqual([0.06, 0.14]);
    expect(flat(auroc.input.errorsMinus)?.map((v) => +v.toFixed(6)).sort()).toEqual([0.1, 0.15]);
    const traces = groupedBarFigure(auroc.input).data as Array<{ error_y?: { symmetric?: boolean; arrayminus?: unknown[] } }>;
    expect(traces.some((t) => t.error_y?.symmetric === false && (t.error_y.arrayminus?.length ?? 0) > 0)).toBe(true);
  });

  it('keeps SD over seeds when some bar averages several runs, unless CIs are asked for', () => {
    const mixed = [...single, cell({ figure: 'fig4', model: 'CBR-Small', init: 'RI', fraction: 1, label: 'covid19', metric: 'AUROC', mean: 0.7, spread: 0.05, n: 3, ci: { lower: 0.6, upper: 0.8 } })];
    const sd = barPanel(mixed, { figure: 'fig4', metric: 'AUROC', groupBy: 'bar' });
    expect(sd.errorsMinus).toBeUndefined();
    expect((sd.errors?.flat().filter((v) => v !== null) as number[])).toEqual([0.05]);
    const ci = barPanel(mixed, { figure: 'fig4', metric: 'AUROC', groupBy: 'bar', errorBars: 'ci' });
    expect((ci.errors?.flat().filter((v) => v !== null) as number[]).length).toBe(3);
  });
});

describe('groupedBarFigure asymmetric error bars', () => {
  it('rejects lengths below the bar without lengths above it, and negative lengths', () => {
    const base = { groups: ['a'], series: ['s'], values: [[0.5]], yTitle: 'AUROC' };
    expect(() => groupedBarFigure({ ...base, errorsMinus: [[0.1]] })).toThrow(/errorsMinus needs errors/);
    expect(() => groupedBarFigure({ ...base, errors: [[0.1]], errorsMinus: [[-0.1]] })).toThrow(/errorsMinus\[0\]\[0\] is -0.1/);
    const fig = groupedBarFigure({ ...base, errors: [[0.1]], errorsMinus: [[0.3]] });
    // The axis covers the longer lower whisker.
    expect((fig.layout as { yaxis: { range: number[] } }).yaxis.range[0]).toBeLessThan(0.2);
  });
});
