/**
 * The runner's checks on the data it is given, in process on a small CSV dataset of PNGs (DenseNet121 cut after
 * transition 1, 32 px, 1 epoch): skipped rows are listed where the user looks, runs on other image bytes are
 * not taken for done, degenerate splits stop the grid before training, a run another process is training is
 * left to it, and a wall-clock jump does not bend recorded durations.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { noticeLines } from '../../lib/cli/progress';
import { DataError } from '../../lib/errors';
import { defineGrid } from '../../lib/experiments/grids';
import { QUICK } from '../../lib/experiments/profiles';
import { runGrid, type RunGridOptions, type RunnerEvent } from '../../lib/experiments/runner';
import { readResults } from '../../lib/experiments/store';
import type { ProfileSpec } from '../../lib/experiments/types';
import { tempDir, writePatternPng } from '../data/helpers';

const t = tempDir('data-checks');
process.env.RETHINK_CACHE = path.join(t.dir, 'cache');
afterAll(() => t.cleanup());
afterEach(() => {
  vi.useRealTimers();
});

const grid = defineGrid({
  id: 'tiny',
  title: 'tiny',
  cells: [{ name: 'Dens-T1-RI', model: { id: 'densenet121', truncation: 'T1' }, init: 'RI' }],
  fractions: [1],
  notes: [],
});
const profile: ProfileSpec = { ...QUICK, id: 'test-tiny', imageSize: 32, training: { ...QUICK.training, epochs: 1, batchSize: 8, microBatchSize: 8 }, bootstrap: 20 };

/** 40 images: train 20, val 10, test 10, half positive each; `rows` adds or replaces label-file lines. */
function writeCsv(name: string, edit: (rows: string[]) => string[] = (rows) => rows): string {
  const rows = Array.from({ length: 40 }, (_, i) => `img/${i}.png,${i % 2},${i < 20 ? 'train' : i < 30 ? 'val' : 'test'}`);
  fs.writeFileSync(path.join(t.dir, name), ['path,y,split', ...edit(rows)].join('\n') + '\n');
  return name;
}

const options = (csv: string, store: string, extra: Partial<RunGridOptions> = {}): RunGridOptions => ({
  grids: [grid],
  dataset: { id: 'csv', options: { root: t.dir, csv, labelColumns: ['y'], splitColumn: 'split', onBadRow: 'skip' } },
  profile,
  workers: 0,
  backend: 'wasm',
  storeDir: path.join(t.dir, store),
  workDir: path.join(t.dir, 'work'),
  ...extra,
});

beforeAll(async () => {
  fs.mkdirSync(path.join(t.dir, 'img'), { recursive: true });
  for (let i = 0; i < 40; i++) await writePatternPng(path.join(t.dir, 'img', `${i}.png`), 16, 16, i);
});

describe('the runner and its data', () => {
  it('rows skipped under onBadRow=skip are listed in the CLI output and in every run record', async () => {
    const csv = writeCsv('skip.csv', (rows) => [...rows, 'img/0.png.missing,1,train']);
    const events: RunnerEvent[] = [];
    const result = await runGrid(options(csv, 'store-skip', { onEvent: (e) => events.push(e) }));
    expect(result.ok).toBe(1);
    const plan = events.find((e) => e.type === 'plan')!;
    const lines = noticeLines(plan);
    expect(lines[0]).toMatch(/^1 label-file row skipped \(onBadRow=skip\)/);
    expect(lines[1]).toMatch(/skip\.csv, row 42: field "path": image file is missing or unreadable/);
    const [record] = readResults(path.join(t.dir, 'store-skip'));
    expect(record!.provenance!.dataset.skipped).toEqual([expect.objectContaining({ row: 42, reason: expect.stringMatching(/missing/) })]);
    expect(record!.provenance!.dataset.imagesHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('finished runs made from other image bytes are not counted as done: the grid stops before training, naming the store', async () => {
    const csv = writeCsv('skip.csv', (rows) => [...rows, 'img/0.png.missing,1,train']);
    const before = readResults(path.join(t.dir, 'store-skip')).length;
    const image = path.join(t.dir, 'img', '7.png');
    const original = fs.readFileSync(image);
    await writePatternPng(image, 16, 16, 99);
    try {
      const err = await runGrid(options(csv, 'store-skip')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(/store-skip: 1 finished run of this grid \(e\.g\. tiny Dens-T1-RI fraction 1 seed 0\) used other image bytes of dataset 'csv'/);
      expect(readResults(path.join(t.dir, 'store-skip'))).toHaveLength(before);
    } finally {
      fs.writeFileSync(image, original);
    }
  });

  it('a test split with a single class, or an empty validation split, is an error before training, with nothing recorded', async () => {
    const oneClass = writeCsv('one-class.csv', (rows) => rows.map((r, i) => (i >= 30 ? r.replace(/,1,test$/, ',0,test') : r)));
    await expect(runGrid(options(oneClass, 'store-degenerate'))).rejects.toThrow(
      /the test split \(10 items\) has no label with both classes: "y" \(0 positive, 10 negative\)/,
    );
    // Four training rows: the drawn 70/15/15 split puts all four in train.
    const tiny = writeCsv('tiny.csv', (rows) => rows.slice(0, 4));
    await expect(runGrid(options(tiny, 'store-degenerate'))).rejects.toThrow(/\(patient-stratified split\): the val split is empty/);
    expect(readResults(path.join(t.dir, 'store-degenerate'))).toEqual([]);
  });

  it('a run another live process is training is left to it, not recorded', async () => {
    const csv = writeCsv('claimed.csv');
    const plan = await runGrid(options(csv, 'store-claimed', { dryRun: true }));
    const dir = plan.plan.runs[0]!.checkpointDir;
    fs.mkdirSync(dir, { recursive: true });
    // pid 1 is always alive: another process on this host holds the claim.
    fs.writeFileSync(path.join(dir, 'claim.json'), JSON.stringify({ pid: 1, host: require('node:os').hostname(), since: '2020-01-01T00:00:00Z' }));
    const events: RunnerEvent[] = [];
    const result = await runGrid(options(csv, 'store-claimed', { claimWaitSeconds: 0, onEvent: (e) => events.push(e) }));
    expect(result.inUse).toBe(1);
    expect(readResults(path.join(t.dir, 'store-claimed'))).toEqual([]);
    const inUse = events.find((e) => e.type === 'run-in-use')!;
    expect(noticeLines(inUse)[0]).toMatch(/Dens-T1-RI 100% seed 0 is being trained by process 1 on .*; left to it/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a wall-clock jump during a run does not bend its recorded duration', async () => {
    const csv = writeCsv('clock.csv');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T12:00:00Z'));
    let jumped = false;
    const result = await runGrid(
      options(csv, 'store-clock', {
        onEvent: (e) => {
          if (!jumped && e.type === 'progress' && e.event.type === 'batch') {
            jumped = true;
            vi.setSystemTime(new Date('2030-01-01T11:00:00Z')); // an hour back, as after an NTP correction
          }
        },
      }),
    );
    const [record] = result.records;
    expect(jumped).toBe(true);
    expect(Date.parse(record!.finishedAt)).toBeLessThan(Date.parse(record!.startedAt)); // the wall clock did jump
    expect(record!.wallSeconds).toBeGreaterThan(0);
    expect(record!.wallSeconds).toBeLessThan(600);
    expect(record!.curve![0]!.seconds).toBeGreaterThan(0);
    expect(result.wallSeconds).toBeGreaterThan(0);
  });
});

describe('the runner and its folders', () => {
  it('a run whose checkpoint folder cannot be made is recorded as failed with a named error, and the grid goes on', async () => {
    const csv = writeCsv('folders.csv');
    const notAFolder = path.join(t.dir, 'work-is-a-file');
    fs.writeFileSync(notAFolder, 'x');
    const result = await runGrid(options(csv, 'store-folders', { workDir: notAFolder, grids: [{ ...grid, fractions: [0.5, 1] }] }));
    expect(result.failed).toBe(2);
    for (const record of readResults(path.join(t.dir, 'store-folders'))) {
      expect(record.error).toMatchObject({ name: 'StorageError', message: expect.stringMatching(/work-is-a-file\/[0-9a-f]{16}: cannot create the run folder \(/) });
    }
  });
});
