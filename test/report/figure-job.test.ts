import * as fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIG7 } from '../../lib/experiments/grids';
import { FigureJobError } from '../../lib/report';
import { figureJob, jobCells } from '../../lib/report/io/index';
import { figureReport } from '../../lib/report/io/figure-report';
import { loadPaperValues } from '../../lib/report/io/paper-values';

// The figure notebooks' data path end to end: a child process plans the grid and reads the (empty) store.
describe('figureJob', () => {
  const storeDir = mkdtempSync(path.join(tmpdir(), 'report-job-'));

  it('lists every bar of the grid with why it has no value, and the data it would run on', async () => {
    const result = await figureJob({
      grid: 'fig7',
      dataset: { id: 'synthetic-cxr', options: { n: 40 } },
      profile: 'quick',
      seeds: 1,
      storeDir,
      runMissing: false,
      notRunReason: 'not in the store',
    });
    const cells = jobCells(result);
    expect(cells).toHaveLength(FIG7.cells.length * 1 * 1 * 2); // cells x fractions x labels x metrics
    expect(cells.every((c) => c.status !== 'ok' && Number.isNaN(c.mean) && c.reason)).toBe(true);
    // Runs that can happen here are "not in the store"; the others carry the runner's unavailability reason.
    const reasons = new Set(cells.map((c) => (c.reason === 'not in the store' ? 'not run' : c.reason!.split(' (')[0])));
    expect(reasons.has('not run')).toBe(true);
    expect([...reasons].some((r) => r.startsWith('unavailable'))).toBe(true);
    expect(result.dataset).toMatchObject({ id: 'synthetic-cxr', synthetic: true, labelNames: ['opacity'] });
    expect(result.provenance.dataset.synthetic).toBe(true);
    expect(result.testCounts).toHaveLength(1);
    expect(result.testCounts[0].positives + result.testCounts[0].negatives).toBeGreaterThan(0);
    expect(result.storedRuns).toBe(0);
    expect(result.missing).toBeGreaterThan(0);
  });

  it('fails with the child\'s error, named', async () => {
    const job = figureJob({ grid: 'fig99', dataset: { id: 'synthetic-cxr', options: { n: 40 } }, profile: 'quick', seeds: 1, storeDir, runMissing: false });
    await expect(job).rejects.toThrowError(FigureJobError);
    await expect(job).rejects.toThrowError(/figure job for grid 'fig99' failed: ConfigError: unknown grid 'fig99'/);
  });
});

describe('figureJob fractions', () => {
  it('uses the grid\'s own fractions when it fixes them, the runner\'s ladder otherwise', async () => {
    const storeDir = mkdtempSync(path.join(tmpdir(), 'report-job-'));
    const base = { dataset: { id: 'synthetic-cxr', options: { n: 200 } }, profile: 'quick', seeds: 1, storeDir, runMissing: false };
    const fixed = await figureJob({ ...base, grid: 'fig3' });
    expect(fixed.fractions).toEqual([1]);
    expect(fixed.fractionNote).toBe('training fractions: 100% (fixed by the grid)');
    expect(new Set(jobCells(fixed).map((c) => c.fraction))).toEqual(new Set([1]));
    const ladder = await figureJob({ ...base, grid: 'fig6' });
    expect(ladder.fractions.length).toBeGreaterThan(1);
    expect(ladder.fractionNote).toMatch(/^training fractions: .*100% \(/);
  });
});

describe('figureReport with another TL source', () => {
  it("runs the grid from that source, says so in the banner, and draws no ImageNet-TL paper marker beside its bars", async () => {
    const resultsDir = mkdtempSync(path.join(tmpdir(), 'report-job-cxr-'));
    // No TorchXRayVision file anywhere the child looks: its caches are empty folders. (Fig. 6 is TL only, so no
    // cell needs the Keras package from the cache.)
    const saved = { RETHINK_CACHE: process.env.RETHINK_CACHE, HOME: process.env.HOME };
    Object.assign(process.env, { RETHINK_CACHE: path.join(resultsDir, 'cache'), HOME: path.join(resultsDir, 'home') });
    try {
      const params = { covidRoot: path.join(resultsDir, 'no-covid'), syntheticN: 60, runProfile: 'quick', seeds: 1, runMissing: false, workers: 1, resultsDir };
      const report = await figureReport('fig6', { ...params, tlSource: 'cxr' });
      expect(report.job.tlSourceModels).toEqual(['DenseNet121']);
      const dense = report.cells.filter((c) => c.model === 'DenseNet121');
      expect(dense.length).toBeGreaterThan(0);
      expect(dense.every((c) => /TorchXRayVision densenet121-res224-all weights .* not found/.test(c.reason ?? ''))).toBe(true);
      expect(report.banner).toContain("TL source 'cxr': DenseNet121's TL cells start from TorchXRayVision");
      const denseTl = (p: { model: string; init: string }): boolean => p.model === 'DenseNet121' && p.init === 'TL';
      expect(loadPaperValues().some((p) => p.figure === 'fig6' && denseTl(p))).toBe(true);
      expect(report.paper.some(denseTl)).toBe(false);
      expect(report.paper.some((p) => p.figure === 'fig6' && p.model === 'CBR-Small' && p.init === 'TL')).toBe(true);
      // Nothing was fetched. (The cache itself may exist: with $RETHINK_DATA_DIR holding the COVID set, as under
      // `npm test`, the job runs on it and caches its images' hashes there.)
      expect(fs.existsSync(path.join(resultsDir, 'cache', 'weights'))).toBe(false);
      expect(fs.existsSync(path.join(resultsDir, 'home', '.torchxrayvision'))).toBe(false);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      fs.rmSync(resultsDir, { recursive: true, force: true });
    }
  });
});
