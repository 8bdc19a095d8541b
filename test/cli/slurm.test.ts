/**
 * The Slurm executor's command line without a cluster: options of the wrong executor are errors, --dry-run
 * prints a script whose runs are exactly the local runner's (same hashes), collect and status name bad input.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT, main } from '../../lib/cli/main';
import { getGrid } from '../../lib/experiments/grids';
import { planRuns } from '../../lib/experiments/plan';
import { QUICK } from '../../lib/experiments/profiles';
import { shardsDir } from '../../lib/experiments/shards';
import { capture } from './capture';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-cli-slurm-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

const DATA = ['--data', 'synthetic-cxr', '--data-option', 'n=60', '--data-option', 'size=64'];

describe('run --executor', () => {
  it('a Slurm option without --executor slurm, or --workers with it, is an error naming the option', async () => {
    const io = capture();
    expect(await main(['run', 'fig4', ...DATA, '--partition', 'gpu', '--gres', 'gpu:1'])).toBe(EXIT.usage);
    expect(io.err()).toContain('--partition, --gres: only with --executor slurm');
    expect(await main(['run', 'fig4', ...DATA, '--executor', 'slurm', '--workers', '2'])).toBe(EXIT.usage);
    expect(io.err()).toContain('--workers: only with --executor local');
    expect(await main(['run', 'fig4', ...DATA, '--executor', 'slurm', '--time', '4h'])).toBe(EXIT.usage);
    expect(io.err()).toMatch(/time: a Slurm time limit: .*, got '4h'/);
    expect(await main(['run', 'fig4', ...DATA, '--executor', 'pbs'])).toBe(EXIT.usage);
  });

  it('--dry-run prints the batch script of exactly the runs the local runner plans, and submits nothing', async () => {
    const io = capture();
    const store = path.join(dir, 'dry');
    const args = ['run', 'fig4', '--cells', 'DenseNet121-RI', ...DATA, '--seeds', '2', '--store', store, '--work-dir', path.join(dir, 'work'), '--executor', 'slurm'];
    const slurm = ['--partition', 'gpu', '--gres', 'gpu:1', '--time', '8:00:00', '--max-concurrent', '4', '--sbatch=--qos=long', '--setup', 'module load cuda/11.8'];
    expect(await main([...args, ...slurm, '--dry-run']), io.err()).toBe(EXIT.ok);
    const script = io.out();
    for (const line of ['#SBATCH --partition=gpu', '#SBATCH --gres=gpu:1', '#SBATCH --time=8:00:00', '#SBATCH --qos=long', 'module load cuda/11.8']) {
      expect(script).toContain(`${line}\n`);
    }
    const planned = await planRuns({
      grids: [{ ...getGrid('fig4'), cells: getGrid('fig4').cells.filter((c) => c.name === 'DenseNet121-RI') }],
      dataset: { id: 'synthetic-cxr', options: { n: 60, size: 64 } },
      profile: QUICK,
      seeds: 2,
      workDir: path.join(dir, 'work'),
    });
    const hashes = [...script.matchAll(/^ {2}([0-9a-f]{64}) {2}#/gm)].map((m) => m[1]);
    expect(hashes.length).toBeGreaterThan(1);
    expect(hashes.sort()).toEqual(planned.runs.map((r) => r.configHash).sort());
    expect(script).toContain(`#SBATCH --array=0-${hashes.length - 1}%4\n`);
    expect(fs.existsSync(path.join(store, 'slurm'))).toBe(false);
  });
});

describe('collect, status and run-one', () => {
  it('collect names a corrupt shard, keeps it and exits 1', async () => {
    const io = capture();
    const store = path.join(dir, 'corrupt');
    fs.mkdirSync(shardsDir(store), { recursive: true });
    const bad = path.join(shardsDir(store), `${'0'.repeat(64)}.x.jsonl`);
    fs.writeFileSync(bad, 'garbage\n');
    expect(await main(['collect', '--store', store])).toBe(EXIT.runsFailed);
    expect(io.err()).toContain(`skipped shard ${bad}: not valid JSON`);
    expect(io.out()).toContain('collected 0 records');
    expect(fs.existsSync(bad)).toBe(true);
    expect(await main(['status', '--store', store])).toBe(EXIT.ok);
    expect(io.out()).toContain('0 records in shards not yet in the store (rethink-tl collect); 1 corrupt shards');
  });

  it('status --submission names an unknown submission; run-one refuses a file outside a store', async () => {
    const io = capture();
    expect(await main(['status', '--store', path.join(dir, 'empty'), '--submission', 'nope'])).toBe(EXIT.usage);
    expect(io.err()).toContain("no submission 'nope'");
    const loose = path.join(dir, 'submission.json');
    fs.writeFileSync(loose, '{}');
    expect(await main(['run-one', 'a'.repeat(64), '--submission', loose])).toBe(EXIT.usage);
    expect(io.err()).toContain('a submission file lives in <store>/slurm/<id>/');
  });
});
