/**
 * The job array's batch script: what it asks Slurm for, and what it does when bash runs it as an array task
 * (with a stand-in for rethink-tl): the task's run by hash, the setup first, an exit file for every ending.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineSlurmOptions } from '../../../lib/experiments/slurm/options';
import { arraySpec, batchScript, shellQuote, type BatchScriptInput } from '../../../lib/experiments/slurm/script';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-sbatch-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const HASHES = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];

/** A stand-in for `node bin/rethink-tl.js`: records its arguments, sleeps if told to, exits with $FAKE_EXIT. */
const fake = path.join(root, 'fake rethink-tl.sh'); // a blank in the path: the command must be quoted
fs.writeFileSync(fake, '#!/bin/bash\necho "$@" > "$FAKE_ARGS"\n[ -n "${FAKE_SLEEP:-}" ] && sleep "$FAKE_SLEEP"\nexit "${FAKE_EXIT:-0}"\n');
fs.chmodSync(fake, 0o755);

function input(dir: string, slurm: Parameters<typeof defineSlurmOptions>[0] = {}): BatchScriptInput {
  fs.mkdirSync(path.join(dir, 'exit'), { recursive: true });
  return {
    title: 'tiny on synthetic-cxr',
    submissionDir: dir,
    submissionFile: path.join(dir, 'submission.json'),
    runs: HASHES.map((configHash, i) => ({ configHash, label: `tiny Dens-T1-RI seed ${i}` })),
    slurm: defineSlurmOptions(slurm),
    command: [fake],
  };
}

let tasks = 0;
/** Runs the script as array task `task` would; returns its exit status, the exit file and the stand-in's arguments. */
function runTask(script: string, dir: string, task: number, env: Record<string, string> = {}) {
  const file = path.join(dir, `job-${tasks++}.sbatch`);
  fs.writeFileSync(file, script);
  const args = path.join(dir, 'args');
  fs.rmSync(args, { force: true });
  const r = spawnSync('bash', [file], { env: { PATH: process.env.PATH!, SLURM_ARRAY_TASK_ID: String(task), SLURM_ARRAY_JOB_ID: '77', FAKE_ARGS: args, ...env }, encoding: 'utf8' });
  const read = (f: string): string | null => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim() : null);
  return { status: r.status, stdout: r.stdout, exit: read(path.join(dir, 'exit', String(task))), args: read(args) };
}

describe('batchScript', () => {
  it('asks for exactly the resources given, one array task per run, logs and exit files in the submission folder', () => {
    const dir = path.join(root, 'sub-a');
    const script = batchScript(
      input(dir, { partition: 'gpu', account: 'lab-42', time: '1-04:00:00', cpusPerTask: 4, mem: '16G', gres: 'gpu:a100:1', maxConcurrent: 2, extra: ['#SBATCH --qos=long', '--constraint=avx2'] }),
    );
    const sbatch = script.split('\n').filter((l) => l.startsWith('#SBATCH'));
    expect(sbatch).toEqual([
      '#SBATCH --job-name=rethink-tl',
      '#SBATCH --array=0-2%2',
      `#SBATCH --chdir=${dir}`,
      `#SBATCH --output=${dir}/logs/%A_%a.out`,
      '#SBATCH --open-mode=append',
      '#SBATCH --partition=gpu',
      '#SBATCH --account=lab-42',
      '#SBATCH --time=1-04:00:00',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --mem=16G',
      '#SBATCH --gres=gpu:a100:1',
      '#SBATCH --qos=long',
      '#SBATCH --constraint=avx2',
    ]);
    // sbatch stops reading #SBATCH lines at the first command.
    const firstCommand = script.split('\n').findIndex((l) => l !== '' && !l.startsWith('#'));
    expect(script.split('\n').slice(firstCommand).some((l) => l.startsWith('#SBATCH'))).toBe(false);
    expect(spawnSync('bash', ['-n'], { input: script }).status).toBe(0);
  });

  it('leaves out what was not asked for', () => {
    const script = batchScript(input(path.join(root, 'sub-b')));
    expect(script).toContain('#SBATCH --array=0-2\n');
    expect(script).not.toMatch(/--partition|--account|--time|--cpus-per-task|--mem|--gres/);
  });

  it("runs the task's run by hash, through the quoted command, and writes its exit status", () => {
    const dir = path.join(root, 'sub-c');
    const script = batchScript(input(dir));
    const ok = runTask(script, dir, 1);
    expect(ok.status).toBe(0);
    expect(ok.args).toBe(`run-one ${HASHES[1]} --submission ${dir}/submission.json`);
    expect(ok.exit).toBe('exit 0');
    const failed = runTask(script, dir, 2, { FAKE_EXIT: '3' });
    expect(failed.status).toBe(3);
    expect(failed.args).toContain(HASHES[2]);
    expect(failed.exit).toBe('exit 3');
  });

  it('runs the setup in the same shell first, and stops with an exit file when it fails', () => {
    const dir = path.join(root, 'sub-d');
    const script = batchScript(input(dir, { setup: 'export FAKE_EXIT=5\nfunction module { :; }; module load cuda' }));
    const r = runTask(script, dir, 0);
    expect(r.status).toBe(5); // the setup's export reached the run
    expect(r.exit).toBe('exit 5');
    const failing = batchScript(input(dir, { setup: 'false' }));
    const f = runTask(failing, dir, 0);
    expect(f.status).toBe(1);
    expect(f.args).toBeNull();
    expect(f.exit).toBe('setup failed (exit 1)');
  });

  it('on TERM (scancel, preemption, time limit) writes "signal TERM" and ends with the run', async () => {
    const dir = path.join(root, 'sub-e');
    const file = path.join(dir, 'job.sbatch');
    fs.writeFileSync(file, batchScript(input(dir)));
    const args = path.join(dir, 'args');
    // In a process group of its own, so that the whole task can be signalled as Slurm does.
    const child = spawn('bash', [file], {
      env: { PATH: process.env.PATH!, SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_JOB_ID: '77', FAKE_ARGS: args, FAKE_SLEEP: '30' },
      stdio: 'ignore',
      detached: true,
    });
    for (let i = 0; i < 100 && !fs.existsSync(args); i++) await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(args)).toBe(true);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    process.kill(-child.pid!, 'SIGTERM');
    expect(await exited).toBe(143);
    expect(fs.readFileSync(path.join(dir, 'exit', '0'), 'utf8').trim()).toBe('signal TERM');
  });

  it('refuses a submission folder sbatch would misread', () => {
    expect(() => batchScript(input(path.join(root, 'with blank')))).toThrow(/must not contain blanks or '%'/);
  });
});

describe('arraySpec and shellQuote', () => {
  it('spells the array as Slurm does', () => {
    expect(arraySpec(1, undefined)).toBe('0');
    expect(arraySpec(12, undefined)).toBe('0-11');
    expect(arraySpec(12, 4)).toBe('0-11%4');
  });

  it('quotes any word so that bash passes it through unchanged', () => {
    for (const word of ['plain/path-1.js', "it's", 'a b', '$HOME', '`x`', '"q"', 'back\\slash', '']) {
      const r = spawnSync('bash', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(word);
    }
  });
});

describe('defineSlurmOptions', () => {
  it('fills in the defaults and accepts #SBATCH-prefixed extra lines', () => {
    expect(defineSlurmOptions({ extra: ['#SBATCH   --qos=long'] })).toEqual({ jobName: 'rethink-tl', extra: ['--qos=long'] });
  });

  it('rejects values that would change the script, naming the option', () => {
    expect(() => defineSlurmOptions({ time: '4h' })).toThrow(/time: a Slurm time limit/);
    expect(() => defineSlurmOptions({ partition: 'gpu\n#SBATCH --uid=0' })).toThrow(/partition: letters, digits/);
    expect(() => defineSlurmOptions({ mem: '16 GB' })).toThrow(/mem: memory like/);
    expect(() => defineSlurmOptions({ extra: ['qos=long'] })).toThrow(/extra\[0\]: one sbatch option per entry/);
    expect(() => defineSlurmOptions({ cpusPerTask: 0 })).toThrow(/cpusPerTask/);
    expect(() => defineSlurmOptions({ gpus: 1 } as never)).toThrow(/unknown key 'gpus'/);
  });

  it('takes every time limit spelling sbatch takes', () => {
    for (const time of ['30', '30:00', '4:00:00', '2-0', '2-04:00', '2-04:00:00']) expect(defineSlurmOptions({ time }).time).toBe(time);
  });
});
