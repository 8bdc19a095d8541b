/**
 * Signals and kills against the real CLI (`bin/rethink-tl.js run`) with worker processes: a tiny grid
 * (DenseNet121 cut after transition 1, RI, on generated data, the quick profile's 2 epochs) is interrupted right
 * after its first epoch checkpoint. Each case checks what a user would: the exit code and the one line printed, that no process is left
 * training, that the store lock is released, and that the next invocation resumes from the checkpoint.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResults } from '../../lib/experiments/store';

const BIN = path.resolve(__dirname, '../../bin/rethink-tl.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-interrupt-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function writeGrid(fractions: number[]): string {
  const file = path.join(root, `grid-${fractions.join('-')}.json`);
  const grid = { id: 'tiny', title: 'tiny', cells: [{ name: 'Dens-T1-RI', model: { id: 'densenet121', truncation: 'T1' }, init: 'RI' }], fractions, notes: [] };
  fs.writeFileSync(file, JSON.stringify(grid));
  return file;
}

interface Cli {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves when stderr matches. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  exit: Promise<{ code: number | null; signal: string | null }>;
}

function runCli(name: string, grid: string): Cli {
  const dir = path.join(root, name);
  const child = spawn(
    process.execPath,
    [BIN, 'run', grid, '--data', 'synthetic-cxr', '--data-option', 'n=60', '--data-option', 'size=32', '--profile', 'quick', '--workers', '1', '--backend', 'wasm', '--store', path.join(dir, 'store'), '--work-dir', path.join(dir, 'work')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RETHINK_CACHE: path.join(root, 'cache') } },
  );
  let err = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(err)) w.resolve();
      else waiters.push(w);
    }
  });
  child.stdout!.resume();
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stderr: () => err,
    exit,
    waitFor: (pattern, timeoutMs = 300_000) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(err)) return resolve();
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stderr:\n${err}`)), timeoutMs);
        waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
        void exit.then(() => reject(new Error(`exited before ${pattern}; stderr:\n${err}`)));
      }),
  };
}

/** Worker processes the CLI started (its children running worker.ts). */
function workersOf(pid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, ...args]) => Number(ppid) === pid && args.join(' ').includes('worker.ts'))
    .map(([p]) => Number(p));
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return !alive(pid);
}

const stateEpoch = (name: string): number => {
  const work = path.join(root, name, 'work');
  const [run] = fs.readdirSync(work);
  return (JSON.parse(fs.readFileSync(path.join(work, run!, 'state.json'), 'utf8')) as { epoch: number }).epoch;
};

const EPOCH_1 = /Dens-T1-RI epoch 1\/2/;

/** Starts the grid under `name` and waits for its first epoch checkpoint; returns the CLI and its worker's pid. */
async function afterFirstEpoch(name: string, fractions: number[]): Promise<{ cli: Cli; grid: string; worker: number }> {
  const grid = writeGrid(fractions);
  const cli = runCli(name, grid);
  await cli.waitFor(EPOCH_1);
  const [worker] = workersOf(cli.child.pid!);
  return { cli, grid, worker: worker! };
}

describe('interrupting `rethink-tl run`', () => {
  it('SIGINT to the runner alone: workers stop at the next batch, the lock is released, one line, exit 130; the rerun resumes from epoch 1', async () => {
    const { cli, grid, worker } = await afterFirstEpoch('sigint', [1]);
    cli.child.kill('SIGINT');
    const { code } = await cli.exit;
    expect(code).toBe(130);
    const lines = cli.stderr().split('\n').filter((l) => l.startsWith('rethink-tl: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/interrupted by SIGINT: stopped 1 run \(Dens-T1-RI 100% seed 0 at epoch 1\/2\)/);
    expect(alive(worker)).toBe(false);
    expect(fs.existsSync(path.join(root, 'sigint', 'store', 'runs.lock'))).toBe(false);
    expect(readResults(path.join(root, 'sigint', 'store'))).toEqual([]); // a stopped run is not a failure
    expect(stateEpoch('sigint')).toBe(1);

    const again = runCli('sigint', grid);
    expect((await again.exit).code).toBe(0);
    expect(again.stderr()).toMatch(/Dens-T1-RI 100% seed 0 resumes from epoch 1\/2 \(checkpoint in /);
    const [record] = readResults(path.join(root, 'sigint', 'store'));
    expect(record!.status).toBe('ok');
    expect(record!.resumedFromEpoch).toBe(1);
  }, 400_000);

  it('SIGINT to a worker alone stops the whole grid the same way', async () => {
    const { cli, worker } = await afterFirstEpoch('worker-sigint', [1]);
    process.kill(worker, 'SIGINT');
    expect((await cli.exit).code).toBe(130);
    expect(cli.stderr()).toMatch(/rethink-tl: interrupted by SIGINT: stopped 1 run/);
    expect(fs.existsSync(path.join(root, 'worker-sigint', 'store', 'runs.lock'))).toBe(false);
  }, 400_000);

  it('a runner killed outright leaves no orphan: its worker exits at its next batch, and a restart takes over lock and run', async () => {
    const { cli, grid, worker } = await afterFirstEpoch('runner-kill', [1]);
    cli.child.kill('SIGKILL');
    await cli.exit;
    expect(await waitGone(worker, 30_000)).toBe(true);
    const again = runCli('runner-kill', grid);
    expect((await again.exit).code).toBe(0);
    expect(readResults(path.join(root, 'runner-kill', 'store')).map((r) => [r.status, r.resumedFromEpoch])).toEqual([['ok', 1]]);
  }, 400_000);

  it('a worker killed by the OS is recorded with its real running time and signal; the grid goes on; the resumed run sums its processes', async () => {
    const { cli, grid, worker } = await afterFirstEpoch('oom', [0.5, 1]);
    const killedAt = Date.now();
    process.kill(worker, 'SIGKILL');
    expect((await cli.exit).code).toBe(1); // runs failed
    const [failed, ...rest] = readResults(path.join(root, 'oom', 'store'));
    expect(failed!.status).toBe('failed');
    expect(failed!.error!.message).toMatch(/killed by SIGKILL after \d+ s of this run .*last finished epoch was 1\/2/);
    const ranFor = (killedAt - Date.parse(failed!.startedAt)) / 1000;
    expect(failed!.wallSeconds).toBeGreaterThan(ranFor - 1);
    expect(rest.map((r) => r.status)).toEqual(['ok']); // the other run, on a fresh worker

    const again = runCli('oom', grid);
    expect((await again.exit).code).toBe(0);
    const resumed = readResults(path.join(root, 'oom', 'store')).at(-1)!;
    expect(resumed.status).toBe('ok');
    expect(resumed.resumedFromEpoch).toBe(1);
    // The first epoch, trained by the killed process, counts in the run's wall time beside this process's own.
    const thisProcess = (Date.parse(resumed.finishedAt) - Date.parse(resumed.startedAt)) / 1000;
    expect(resumed.wallSeconds).toBeGreaterThan(thisProcess + resumed.curve![0]!.seconds - 0.01);
  }, 400_000);
});

describe("interrupting a figure notebook's training", () => {
  const KERNEL = path.join(__dirname, 'fixtures', 'kernel-figure-job.ts');
  const startKernel = (name: string): { kernel: ChildProcess; out: () => string; storeDir: string; waitFor: (p: RegExp) => Promise<void> } => {
    const storeDir = path.join(root, name);
    const kernel = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), KERNEL, storeDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, RETHINK_CACHE: path.join(root, 'cache'), RETHINK_BACKEND: 'wasm' },
    });
    let out = '';
    kernel.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const waitFor = async (pattern: RegExp): Promise<void> => {
      const end = Date.now() + 300_000;
      while (!pattern.test(out)) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}; output:\n${out}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    return { kernel, out: () => out, storeDir, waitFor };
  };
  /** The figure job's training process (figure-job-main.ts, started by the kernel for this store). */
  const jobProcess = (storeDir: string): number | undefined => {
    const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
    const line = lines.find((l) => l.includes('figure-job-main.ts') && l.includes(storeDir));
    return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
  };

  it('an interrupt of the kernel reaches the training child: its runs stop, the lock is released, the job says why', async () => {
    const { kernel, out, storeDir, waitFor } = startKernel('kernel-sigint');
    await waitFor(/progress .*: epoch 1\/2 done/);
    const job = jobProcess(storeDir)!;
    kernel.kill('SIGINT'); // what Jupyter's interrupt sends: to the kernel only
    await waitFor(/^rejected /m);
    expect(out()).toMatch(/rejected figure job for grid 'fig6' failed: InterruptedError: interrupted by SIGINT: stopped 1 run/);
    expect(await waitGone(job, 10_000)).toBe(true);
    expect(fs.existsSync(path.join(storeDir, 'runs.lock'))).toBe(false);
    kernel.kill('SIGKILL');
  }, 400_000);

  it('a kernel that dies leaves no training behind: the child stops cleanly and releases the store', async () => {
    const { kernel, storeDir, waitFor } = startKernel('kernel-killed');
    await waitFor(/progress .*: epoch 1\/2 done/);
    const job = jobProcess(storeDir)!;
    kernel.kill('SIGKILL');
    expect(await waitGone(job, 60_000)).toBe(true);
    expect(fs.existsSync(path.join(storeDir, 'runs.lock'))).toBe(false);
  }, 400_000);
});
