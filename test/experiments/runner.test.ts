/**
 * The runner end to end on generated data and a tiny grid: DenseNet121 truncated after transition 1 at 32 px,
 * two fractions, one seed, on the wasm backend. Also: a TL cell whose weights are absent (recorded as
 * unavailable) and one whose weights file is garbage (recorded as failed without stopping the grid).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineGrid } from '../../lib/experiments/grids';
import { QUICK } from '../../lib/experiments/profiles';
import { runGrid, type RunGridOptions, type RunGridResult } from '../../lib/experiments/runner';
import { readResults } from '../../lib/experiments/store';
import { summarizeRuns, gridRows } from '../../lib/experiments/aggregate';
import type { ProfileSpec, RunRecord } from '../../lib/experiments/types';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-runner-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const garbage = path.join(root, 'garbage.safetensors');
fs.writeFileSync(garbage, 'not a safetensors file');

const grid = defineGrid({
  id: 'tiny',
  title: 'tiny grid',
  cells: [
    { name: 'Dens-T1-RI', model: { id: 'densenet121', truncation: 'T1' }, init: 'RI' },
    { name: 'Dens-T1-TL', model: { id: 'densenet121', truncation: 'T1' }, init: 'TL' },
    { name: 'CBR-Small-TL', model: { id: 'cbr-small' }, init: 'TL' },
  ],
  fractions: [0.5, 1],
  notes: [],
});
const profile: ProfileSpec = {
  ...QUICK,
  id: 'test-tiny',
  imageSize: 32,
  training: { ...QUICK.training, epochs: 2, batchSize: 8, microBatchSize: 8 },
  bootstrap: 50,
};
const options = (storeDir: string, extra: Partial<RunGridOptions> = {}): RunGridOptions => ({
  grids: [grid],
  dataset: { id: 'synthetic-cxr', options: { n: 60, size: 32, seed: 1 } },
  profile,
  workers: 0,
  backend: 'wasm',
  storeDir,
  workDir: path.join(root, 'work'),
  weights: { densenet121: path.join(root, 'absent.safetensors'), 'cbr-small': garbage },
  ...extra,
});

const metricsOf = (records: RunRecord[]): unknown =>
  records
    .filter((r) => r.status === 'ok')
    .sort((a, b) => a.config.fraction - b.config.fraction)
    .map((r) => ({ f: r.config.fraction, test: r.test, curve: r.curve!.map((e) => [e.trainLoss, e.valLoss, e.val]) }));

let first: RunGridResult;
const storeA = path.join(root, 'a');
beforeAll(async () => {
  first = await runGrid(options(storeA));
});

describe('runGrid', () => {
  it('runs what it can, records what it cannot, and keeps going after a failed run', () => {
    expect(first.ok).toBe(2);
    expect(first.failed).toBe(2);
    expect(first.unavailable).toBe(2);
    const records = readResults(storeA);
    const failed = records.filter((r) => r.status === 'failed');
    expect(failed.every((r) => r.cellName === 'CBR-Small-TL' && r.error!.message.length > 0)).toBe(true);
    const unavailable = records.filter((r) => r.status === 'unavailable');
    expect(unavailable.every((r) => r.cellName === 'Dens-T1-TL' && /weights missing/.test(r.reason!))).toBe(true);
  });

  it('stores full records: config, per-label metrics with both AUPRC methods and CIs, curve, provenance', () => {
    const ok = readResults(storeA).filter((r) => r.status === 'ok');
    for (const r of ok) {
      expect(r.config.training.epochs).toBe(2);
      expect(r.config.pipeline.size).toBe(32);
      expect(r.curve).toHaveLength(2);
      expect(r.curve![0]!.val[0]!.auprc).not.toBeNull();
      const m = r.test![0]!;
      expect(m.label).toBe('opacity');
      expect(typeof m.auroc).toBe('number');
      expect(typeof m.auprc).toBe('number');
      expect(typeof m.ap).toBe('number');
      expect(m.aurocCI!.lower).toBeLessThanOrEqual(m.auroc!);
      expect(r.provenance!.dataset.synthetic).toBe(true);
      expect(r.provenance!.dataset.splitHash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.provenance!.backend!.backend).toBe('wasm');
      expect(r.testScores!.ids.length * 1).toBe(r.provenance!.dataset.counts.test.items);
    }
    // The 50% subset is nested in the 100% one and smaller.
    const [half, full] = ok.sort((a, b) => a.config.fraction - b.config.fraction);
    expect(half!.provenance!.dataset.counts.train.items).toBeLessThan(full!.provenance!.dataset.counts.train.items);
  });

  it('never recomputes a finished run; failed runs are retried unless told not to', async () => {
    const linesBefore = readResults(storeA).length;
    const again = await runGrid(options(storeA, { retryFailed: false }));
    expect(again.alreadyDone).toBe(2);
    expect(again.records).toHaveLength(0);
    expect(readResults(storeA)).toHaveLength(linesBefore);
  });

  it('is deterministic: the same configuration and seeds give identical numbers, in-process or on 2 worker processes', async () => {
    const storeB = path.join(root, 'b');
    const onlyRi = defineGrid({ ...grid, cells: [grid.cells[0]!] });
    const events: string[] = [];
    const pooled = await runGrid(
      options(storeB, { grids: [onlyRi], workers: 2, onEvent: (e) => e.type === 'worker-ready' && events.push(`ready ${e.worker}`) }),
    );
    expect(pooled.ok).toBe(2);
    expect(events.sort()).toEqual(['ready 0', 'ready 1']);
    expect(metricsOf(readResults(storeB))).toEqual(metricsOf(readResults(storeA)));
  });

  it('a run killed after an epoch is recorded as failed and resumes from its checkpoint to the same numbers', async () => {
    const storeC = path.join(root, 'c');
    const onlyRi = defineGrid({ ...grid, cells: [grid.cells[0]!] });
    const workDir = path.join(root, 'work-c');
    const killed = await runGrid(
      options(storeC, {
        grids: [onlyRi],
        workDir,
        onEvent: (e) => {
          if (e.type === 'progress' && e.event.type === 'epoch-end' && e.event.epoch === 1) throw new Error('simulated kill');
        },
      }),
    );
    expect(killed.failed).toBe(2);
    expect(readResults(storeC).every((r) => r.error?.message === 'simulated kill')).toBe(true);
    const resumed = await runGrid(options(storeC, { grids: [onlyRi], workDir }));
    expect(resumed.ok).toBe(2);
    expect(resumed.records.every((r) => r.resumedFromEpoch === 1)).toBe(true);
    expect(metricsOf(resumed.records)).toEqual(metricsOf(readResults(storeA)));
    expect(fs.readdirSync(workDir)).toEqual([]); // finished runs drop their checkpoints
  });

  it('summarises per cell over seeds and maps summaries back onto the grid', () => {
    const summaries = summarizeRuns(readResults(storeA), { bootstrap: 50 });
    const rows = gridRows(grid, summaries, { profile: 'test-tiny' });
    const ri = rows.filter((r) => r.cellName === 'Dens-T1-RI');
    expect(ri.map((r) => r.fraction)).toEqual([0.5, 1]);
    expect(ri[0]!.summary!.status).toBe('ok');
    expect(ri[0]!.summary!.labels[0]!.auroc!.n).toBe(1);
    expect(ri[0]!.summary!.labels[0]!.aurocCI).not.toBeNull();
    expect(rows.find((r) => r.cellName === 'Dens-T1-TL')!.summary!.status).toBe('unavailable');
  });
});
