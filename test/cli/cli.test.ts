import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram, main, EXIT } from '../../lib/cli/main';
import { GRIDS } from '../../lib/experiments/grids';
import { readResults, ResultsStore } from '../../lib/experiments/store';
import type { RunRecord } from '../../lib/experiments/types';
import { makeRecord } from '../experiments/records';
import { capture } from './capture';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

function okRecord(seed: number, auroc: number): RunRecord {
  return makeRecord(`hash-${seed}`, 'ok', seed, auroc);
}

beforeAll(() => {
  const store = ResultsStore.open(dir);
  store.append(okRecord(0, 0.8));
  store.append(okRecord(1, 0.9));
  const tl = okRecord(2, 0);
  tl.config.cell.init = 'TL';
  store.append({ ...tl, status: 'unavailable', configHash: 'hash-u', cellName: 'CBR-Small-TL', test: undefined, reason: 'unavailable: weights missing' } as RunRecord);
  store.close();
});

describe('rethink-tl CLI', () => {
  it.each([[[]], [['run']], [['status']], [['export']], [['prepare']], [['weights']]])('prints help for %j --help and exits 0', async (args) => {
    const io = capture();
    expect(await main([...args, '--help'])).toBe(EXIT.ok);
    expect(io.out()).toMatch(/Usage: rethink-tl/);
  });

  it('status shows mean ± sd over seeds per cell, and unavailable cells with their reason', async () => {
    const io = capture();
    expect(await main(['status', '--store', dir])).toBe(EXIT.ok);
    expect(io.out()).toMatch(/CBR-Small-RI .*25% +ok +2 +0\.850 ± 0\.071/);
    expect(io.out()).toMatch(/CBR-Small-TL .*unavailable.*weights missing/);
  });

  it('export --format csv writes one row per run and label', async () => {
    const io = capture();
    expect(await main(['export', '--format', 'csv', '--store', dir])).toBe(EXIT.ok);
    const lines = io.out().trim().split('\n');
    expect(lines[0]).toMatch(/^status,grid,cell,model/);
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith('ok,fig4,CBR-Small-RI,cbr-small'))).toHaveLength(2);
  });

  it('export --format json gives per-cell summaries', async () => {
    const io = capture();
    expect(await main(['export', '--format', 'json', '--store', dir])).toBe(EXIT.ok);
    const summaries = JSON.parse(io.out()) as Array<{ cellName: string; labels: Array<{ auroc: { mean: number; n: number } | null }> }>;
    const ri = summaries.find((s) => s.cellName === 'CBR-Small-RI')!;
    expect(ri.labels[0]!.auroc!.n).toBe(2);
    expect(ri.labels[0]!.auroc!.mean).toBeCloseTo(0.85, 12);
  });

  it('exits 2 with a message naming the problem on bad usage', async () => {
    const io = capture();
    expect(await main(['run', 'fig99', '--data', 'synthetic-cxr'])).toBe(EXIT.usage);
    expect(io.err()).toMatch(/unknown grid 'fig99'/);
    expect(await main(['run', 'fig4', '--data', 'nope'])).toBe(EXIT.usage);
    expect(io.err()).toMatch(/unknown dataset 'nope'/);
  });

  it('status --grid with a grid that neither the paper nor the store has is an error, not an empty table', async () => {
    const io = capture();
    expect(await main(['status', '--store', dir, '--grid', 'fig99'])).toBe(EXIT.usage);
    expect(io.err()).toMatch(/unknown grid 'fig99' \(known: fig3, fig4, fig6, fig7, pneumonia, pneumonia-grouped; in this store: fig4\)/);
    expect(await main(['status', '--store', dir, '--grid', 'fig6'])).toBe(EXIT.ok);
  });

  it('export --out into a missing folder is a named error, and nothing is created', async () => {
    const io = capture();
    const target = path.join(dir, 'no-such-folder', 'runs.csv');
    expect(await main(['export', '--store', dir, '--out', target])).toBe(EXIT.usage);
    expect(io.err()).toMatch(/--out .*runs\.csv: the folder .*no-such-folder does not exist/);
    expect(io.err()).not.toMatch(/ENOENT|at /);
    expect(fs.existsSync(path.dirname(target))).toBe(false);
    expect(await main(['export', '--store', dir, '--out', path.join(dir, 'runs.csv')])).toBe(EXIT.ok);
    expect(fs.readFileSync(path.join(dir, 'runs.csv'), 'utf8')).toMatch(/^status,grid,cell/);
  });

  it('run --workers above the core count says it uses the core count', async () => {
    const io = capture();
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-cli-workers-'));
    try {
      const code = await main(['run', 'fig4', '--cells', 'CBR-Small-RI', '--data', 'synthetic-cxr', '--data-option', 'n=60', '--store', store, '--dry-run', '--workers', '999']);
      expect(code).toBe(EXIT.ok);
      expect(io.err()).toContain(`--workers 999: this machine has ${os.cpus().length} core`);
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  it("run --tl-source cxr records DenseNet121's TL cells as unavailable without TorchXRayVision's file, saying how to get it", async () => {
    const io = capture();
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-cli-cxr-'));
    const saved = { RETHINK_CACHE: process.env.RETHINK_CACHE, HOME: process.env.HOME };
    Object.assign(process.env, { RETHINK_CACHE: path.join(store, 'cache'), HOME: path.join(store, 'home') });
    try {
      const args = ['run', 'fig4', '--cells', 'DenseNet121-TL,CBR-Small-RI', '--data', 'synthetic-cxr', '--data-option', 'n=60', '--store', store, '--dry-run'];
      expect(await main([...args, '--tl-source', 'cxr'])).toBe(EXIT.ok);
      const records = readResults(store);
      expect(records.map((r) => [r.cellName, r.status, r.config.pipeline.channels])).toEqual([['DenseNet121-TL (cxr)', 'unavailable', 1]]);
      expect(records[0]!.reason).toMatch(/TorchXRayVision densenet121-res224-all weights .* not found at .*; run 'rethink-tl weights densenet121 --source cxr'/);
      expect(await main([...args, '--tl-source', 'radimagenet'])).toBe(EXIT.usage);
      expect(io.err()).toMatch(/--tl-source <source>' argument 'radimagenet' is invalid\. Allowed choices are imagenet, cxr/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  it('weights --source names what can be fetched when a model has no such source', async () => {
    const io = capture();
    expect(await main(['weights', 'cbr-small', '--source', 'cxr'])).toBe(EXIT.usage);
    expect(io.err()).toMatch(/no fetchable 'cxr' weights for 'cbr-small' \(fetchable: densenet121, densenet121 --source cxr, resnet50, resnet50-keras\)/);
  });

  it('every rethink-tl command line a grid note tells users to type exists, with its options', () => {
    const program = buildProgram();
    for (const grid of Object.values(GRIDS)) {
      for (const note of grid.notes) {
        for (const [, line] of note.matchAll(/rethink-tl ([a-z][^'();,]*)/g)) {
          const [name, ...rest] = line!.trim().split(/\s+/);
          const command = program.commands.find((c) => c.name() === name);
          expect(command, `${grid.id} note names 'rethink-tl ${line}'`).toBeDefined();
          for (const option of rest.filter((w) => w.startsWith('--'))) {
            expect(command!.options.map((o) => o.long), `${grid.id} note: ${line}`).toContain(option.split('=')[0]);
          }
        }
      }
    }
  });

  it('the bin shim runs the TypeScript CLI', () => {
    const bin = path.resolve(__dirname, '../../bin/rethink-tl.js');
    const out = execFileSync(process.execPath, [bin, 'status', '--store', dir], { encoding: 'utf8' });
    expect(out).toMatch(/CBR-Small-RI/);
  });
});
