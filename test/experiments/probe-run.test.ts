/**
 * The linear-probe arm end to end: a grid with LP cells of DenseNet121 at two cuts, the pretrained weights from a
 * torch.save fixture, generated data. Features are computed once and cached; every cut and seed reuses them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineGrid } from '../../lib/experiments/grids';
import { QUICK } from '../../lib/experiments/profiles';
import { runGrid, type RunGridOptions } from '../../lib/experiments/runner';
import { readResults } from '../../lib/experiments/store';
import type { ProfileSpec, RunRecord } from '../../lib/experiments/types';
import { PROBE_C_GRID } from '../../lib/train/linear-probe';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-probe-'));
const savedCache = process.env.RETHINK_CACHE;
afterAll(() => {
  if (savedCache === undefined) delete process.env.RETHINK_CACHE;
  else process.env.RETHINK_CACHE = savedCache;
  fs.rmSync(root, { recursive: true, force: true });
});

const grid = defineGrid({
  id: 'probe',
  title: 'probe grid',
  cells: [
    { name: 'Dens-LP-T1', model: { id: 'densenet121', truncation: 'T1', head: 'gap-linear' }, init: 'LP' },
    { name: 'Dens-LP', model: { id: 'densenet121', truncation: 'F', head: 'gap-linear' }, init: 'LP' },
  ],
  fractions: [1],
  notes: [],
});
const profile: ProfileSpec = { ...QUICK, id: 'test-probe', imageSize: 32, augment: { horizontalFlip: true }, bootstrap: 50 };
const options = (storeDir: string, seeds: number[]): RunGridOptions => ({
  grids: [grid],
  dataset: { id: 'synthetic-cxr', options: { n: 60, size: 32, seed: 3 } },
  profile,
  seeds,
  workers: 0,
  backend: 'wasm',
  storeDir,
  workDir: path.join(root, 'work'),
  weights: { densenet121: path.join(__dirname, '..', 'fixtures', 'torch', 'densenet121.zip.pth') },
});

let records: RunRecord[] = [];
beforeAll(async () => {
  process.env.RETHINK_CACHE = path.join(root, 'cache');
  await runGrid(options(path.join(root, 'a'), [0, 1]));
  records = readResults(path.join(root, 'a'));
}, 600_000);

describe('linear probe runs', () => {
  it('every LP run finishes with test metrics, the chosen C among the grid and every C validated', () => {
    expect(records.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    for (const r of records) {
      expect(r.test![0]!.auroc).toBeGreaterThanOrEqual(0);
      expect(PROBE_C_GRID).toContain(r.probe!.C);
      expect(r.probe!.curve.map((p) => p.C)).toEqual([...PROBE_C_GRID]);
      expect(r.curve).toBeUndefined();
      expect(r.testScores!.logits!.length).toBe(r.provenance!.dataset.counts.test.items);
    }
  });

  it('pools the channels after each cut (DenseNet121 T1: 128, F: 1024) and counts only the linear head as parameters', () => {
    const t1 = records.find((r) => r.cellName === 'Dens-LP-T1')!;
    const f = records.find((r) => r.cellName === 'Dens-LP')!;
    expect([t1.probe!.featureDim, f.probe!.featureDim]).toEqual([128, 1024]);
    expect(f.provenance!.model.params).toBe(1025);
  });

  it('computes the frozen features once: later cuts and seeds read them from the cache', () => {
    const cached = records.map((r) => r.probe!.featuresCached);
    expect(cached.filter((c) => !c)).toHaveLength(1);
    expect(fs.readdirSync(path.join(root, 'cache', 'features')).filter((f) => f.endsWith('.features'))).toHaveLength(1);
  });

  it('stores no augmentation for LP runs (their features are computed unaugmented)', () => {
    for (const r of records) expect(r.config.pipeline.augment).toBeUndefined();
  });

  it('is deterministic: the same run in another store gives the same test metrics', async () => {
    await runGrid(options(path.join(root, 'b'), [0]));
    const again = readResults(path.join(root, 'b'));
    for (const r of again) {
      const first = records.find((x) => x.configHash === r.configHash)!;
      expect(r.test).toEqual(first.test);
      expect(r.probe!.featuresCached).toBe(true);
    }
  }, 600_000);
});
