/**
 * The Slurm executor against a real Slurm: Debian's slurm-wlm and munge, started on localhost by
 * scripts/slurm-local.sh (installed first if missing; root needed). A tiny grid (three runs of DenseNet121 cut
 * after transition 1, synthetic data, the quick profile) is submitted as a job array; one task is cancelled with
 * scancel after its first epoch checkpoint; the others finish and are collected; resubmitting submits only the
 * cancelled run, which resumes from its checkpoint; nothing finished is computed twice.
 *
 * Where Slurm cannot run (not root, packages missing and not installable) the test is reported as skipped with the
 * reason, never passed; with RETHINK_REQUIRE_SLURM=1 (CI) that is a failure instead.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults } from '../../../lib/experiments/store';
import type { RunRecord } from '../../../lib/experiments/types';
import { sha256Hex } from '../../../lib/util/hash';

const repo = path.resolve(__dirname, '..', '..', '..');
const CANNOT_RUN = 3;
// Per checkout, so that test runs in two worktrees get two clusters; fixed, so a killed run's daemons are stopped by the next.
const clusterDir = path.join(os.tmpdir(), `rethink-slurm-${sha256Hex(repo).slice(0, 8)}`);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-slurm-it-'));
const store = path.join(root, 'store');
const workDir = path.join(root, 'work');
const gridFile = path.join(root, 'grid.json');
const env = { ...process.env, SLURM_CONF: path.join(clusterDir, 'slurm.conf') };
let skipReason: string | null = null;

function slurmLocal(command: 'start' | 'stop') {
  return spawnSync('bash', [path.join(repo, 'scripts', 'slurm-local.sh'), command, clusterDir], { encoding: 'utf8', timeout: 600_000 });
}

beforeAll(() => {
  fs.writeFileSync(
    gridFile,
    JSON.stringify({
      id: 'slurm-it',
      title: 'Slurm integration test grid',
      cells: [{ name: 'Dens-T1-RI', model: { id: 'densenet121', truncation: 'T1' }, init: 'RI' }],
      fractions: [0.5, 0.75, 1],
      notes: [],
    }),
  );
  const started = slurmLocal('start');
  if (started.status === CANNOT_RUN && process.env.RETHINK_REQUIRE_SLURM !== '1') {
    skipReason = `no Slurm here: ${started.stderr.trim()}`;
    process.stderr.write(`SKIPPED Slurm integration test: ${skipReason}\n`);
    return;
  }
  if (started.status !== 0) throw new Error(`scripts/slurm-local.sh start failed (exit ${started.status}):\n${started.stderr}`);
}, 600_000);

afterAll(() => {
  const stopped = slurmLocal('stop');
  fs.rmSync(root, { recursive: true, force: true });
  if (stopped.status !== 0) throw new Error(`scripts/slurm-local.sh stop failed: ${stopped.stderr}`);
}, 120_000);

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repo, 'bin', 'rethink-tl.js'), ...args], { env, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GRID_ARGS = ['--data', 'synthetic-cxr', '--data-option', 'n=60', '--data-option', 'size=64', '--profile', 'quick', '--backend', 'wasm'];
const submit = (...extra: string[]) =>
  cli('run', gridFile, ...GRID_ARGS, '--executor', 'slurm', '--store', store, '--work-dir', workDir, '--max-concurrent', '2', '--cpus-per-task', '1', ...extra);

function submittedJob(out: { stdout: string; stderr: string }): string {
  const m = /submitted (\d+) runs as Slurm job (\d+)/.exec(out.stdout);
  if (!m) throw new Error(`no job submitted:\n${out.stdout}\n${out.stderr}`);
  return m[2]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => T | null | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}\n${taskLogs()}`);
    await sleep(200);
  }
}

/** The job's tasks that have not finished, from squeue (finished ones stay listed for MinJobAge). */
function activeTasks(jobId: string): string[] {
  const r = spawnSync('squeue', ['--noheader', '--array', '--states=all', `--jobs=${jobId}`, '--format=%K|%T'], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`squeue failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => /\|(PENDING|CONFIGURING|RUNNING|COMPLETING)$/.test(l.trim()));
}

function taskLogs(): string {
  const subs = path.join(store, 'slurm');
  if (!fs.existsSync(subs)) return '(no submissions)';
  return fs
    .readdirSync(subs)
    .flatMap((id) => {
      const logs = path.join(subs, id, 'logs');
      return fs.existsSync(logs) ? fs.readdirSync(logs).map((f) => `--- ${id}/${f}\n${fs.readFileSync(path.join(logs, f), 'utf8')}`) : [];
    })
    .join('\n');
}

function submissions(): Array<{ id: string; runs: Array<{ configHash: string }>; jobId: string }> {
  const subs = path.join(store, 'slurm');
  return fs.existsSync(subs) ? fs.readdirSync(subs).sort().map((id) => JSON.parse(fs.readFileSync(path.join(subs, id, 'submission.json'), 'utf8'))) : [];
}

const checkpointEpoch = (hash: string): number => {
  const file = path.join(workDir, hash.slice(0, 16), 'state.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { epoch: number }).epoch : 0;
};
const shardsOf = (hash: string): string[] => (fs.existsSync(path.join(store, 'shards')) ? fs.readdirSync(path.join(store, 'shards')).filter((f) => f.startsWith(hash)) : []);
const okByHash = (records: RunRecord[]): Map<string, RunRecord[]> => {
  const m = new Map<string, RunRecord[]>();
  for (const r of records.filter((x) => x.status === 'ok')) m.set(r.configHash, [...(m.get(r.configHash) ?? []), r]);
  return m;
};

describe('scripts/slurm-local.sh', () => {
  it('says it cannot run Slurm (exit 3, with the reason) when not root, so that callers can report a skip', () => {
    const script = fs.readFileSync(path.join(repo, 'scripts', 'slurm-local.sh'));
    const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'nobody', '--', 'bash'] : ['bash'];
    const r = spawnSync(asUser[0]!, [...asUser.slice(1), '-s', 'start', path.join(root, 'never')], { input: script, encoding: 'utf8' });
    expect(r.status).toBe(CANNOT_RUN);
    expect(r.stderr).toContain('cannot run Slurm here: not root');
    expect(fs.existsSync(path.join(root, 'never'))).toBe(false);
  });
});

describe('run --executor slurm on a real single-node Slurm', () => {
  it('--dry-run prints the batch script and submits nothing', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const dry = submit('--dry-run');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^#!\/bin\/bash\n/);
    expect(dry.stdout).toContain('#SBATCH --array=0-2%2\n');
    expect(dry.stdout.match(/^ {2}[0-9a-f]{64} {2}# slurm-it Dens-T1-RI/gm)).toHaveLength(3);
    expect(submissions()).toEqual([]);
  });

  let firstRecords: RunRecord[] = [];
  let cancelled = '';

  it('runs the grid as a job array; a task cancelled mid-run leaves its checkpoint and no record; collect stores the rest once', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const job = submittedJob(submit());
    const [submission] = submissions();
    expect(submission!.jobId).toBe(job);
    expect(submission!.runs).toHaveLength(3);
    cancelled = submission!.runs[0]!.configHash;
    // At most two at once: the third waits (JobArrayTaskLimit) until one of the first two ends, minutes from now.
    const early = cli('status', '--store', store);
    const counts = /3 runs: (\d+) queued, (\d+) running, 0 finished, 0 failed/.exec(early.stdout);
    expect(counts, early.stdout + early.stderr).not.toBeNull();
    expect(Number(counts![1]) + Number(counts![2])).toBe(3);
    expect(Number(counts![2])).toBeLessThanOrEqual(2);
    // Submitting again while they are queued or running submits nothing.
    const meanwhile = submit();
    const plan = /(\d+) finished, (\d+) queued or running in an earlier submission, .* 0 to submit/.exec(meanwhile.stderr);
    expect(plan, meanwhile.stderr).not.toBeNull();
    expect(Number(plan![1]) + Number(plan![2])).toBe(3);
    expect(submissions()).toHaveLength(1);

    // Mid-run: after the first epoch's checkpoint, before the record.
    await waitFor('the first epoch checkpoint of task 0', () => checkpointEpoch(cancelled) >= 1, 300_000);
    expect(shardsOf(cancelled)).toEqual([]);
    const scancel = spawnSync('scancel', [`${job}_0`], { env, encoding: 'utf8' });
    expect(scancel.status, scancel.stderr).toBe(0);
    await waitFor(`job ${job} to end`, () => activeTasks(job).length === 0, 600_000);

    const status = cli('status', '--store', store);
    expect(status.stdout).toMatch(/Slurm submission .*, job \d+, 3 runs: 0 queued, 0 running, 2 finished, 1 failed/);
    expect(status.stdout).toMatch(/\n0 +slurm-it Dens-T1-RI 50% seed 0 +failed +no record; task ended with signal TERM/);
    expect(status.stdout).toContain('2 records in shards not yet in the store');
    expect(status.status).toBe(1);

    const collected = cli('collect', '--store', store);
    expect(collected.stdout, collected.stderr).toContain('collected 2 records');
    firstRecords = readResults(store);
    const ok = okByHash(firstRecords);
    expect([...ok.keys()].sort()).toEqual(submission!.runs.slice(1).map((r) => r.configHash).sort());
    expect([...ok.values()].every((records) => records.length === 1)).toBe(true);
    expect(firstRecords.every((r) => r.status === 'ok')).toBe(true);
    expect(checkpointEpoch(cancelled), taskLogs()).toBeGreaterThanOrEqual(1); // kept for the resubmission
    expect(cli('collect', '--store', store).stdout).toContain('collected 0 records'); // idempotent
    expect(readResults(store)).toEqual(firstRecords);
  }, 900_000);

  it('resubmitting submits only the cancelled run, which resumes from its checkpoint; nothing finished is recomputed', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    expect(cancelled, 'the previous test ran').not.toBe('');
    const job = submittedJob(submit());
    const latest = submissions().at(-1)!;
    expect(latest.runs.map((r) => r.configHash)).toEqual([cancelled]);
    await waitFor(`job ${job} to end`, () => activeTasks(job).length === 0, 600_000);
    expect(cli('collect', '--store', store).stdout).toContain('collected 1 records');

    const records = readResults(store);
    expect(records.slice(0, firstRecords.length)).toEqual(firstRecords); // earlier records untouched
    const ok = okByHash(records);
    expect(ok.size).toBe(3);
    expect([...ok.values()].every((r) => r.length === 1)).toBe(true); // every run exactly once
    const resumed = ok.get(cancelled)![0]!;
    expect(resumed.resumedFromEpoch, taskLogs()).toBeGreaterThanOrEqual(1);
    expect(resumed.curve).toHaveLength(2); // epochs 1 (from the checkpoint) and 2
    expect(fs.existsSync(path.join(workDir, cancelled.slice(0, 16)))).toBe(false); // finished: checkpoint dropped

    const again = submit();
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/3 finished, .* 0 to submit/);
    expect(again.stdout).toContain('nothing to submit');
    expect(submissions()).toHaveLength(2);
    const status = cli('status', '--store', store);
    expect(status.stdout).toMatch(/1 runs: 0 queued, 0 running, 1 finished, 0 failed/);
    expect(status.status).toBe(0);
  }, 900_000);
});
