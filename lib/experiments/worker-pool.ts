/**
 * Runs a queue of runs on N worker processes. Each worker takes the next run when it is free; a worker that dies
 * mid-run (the OS's out-of-memory killer, a wasm heap overflow) is recorded as a failed run with its real running
 * time and exit signal, and a fresh worker takes over the queue. On an interrupt, every worker is told to stop at
 * its next batch; those that do not exit within the grace time (or at a repeated interrupt) are killed, which is
 * safe too, since checkpoints are written atomically.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { BackendChoice } from '../backend/index';
import { ConfigError } from '../errors';
import type { InterruptWatch, StoppedRun } from './interrupt';
import { failedRecord } from './failed-record';
import type { FromWorker, ToWorker } from './protocol';
import type { ClaimHolder } from './run-claim';
import type { RunRecord, RunSpec } from './types';

const WORKER_ENTRY = path.join(__dirname, 'worker.ts');

export interface PoolOptions {
  backend: BackendChoice;
  /** Compute threads per worker; absent: RETHINK_THREADS, else 1. */
  threads?: number;
  bootstrap: number;
  claimWaitMs: number;
  /** Seconds a stopping worker gets to reach its next batch before it is killed. */
  stopGraceSeconds: number;
  watch: InterruptWatch;
}

export interface PoolCallbacks {
  workerReady(worker: number, backend: string): void;
  runStart(worker: number, spec: RunSpec): void;
  progress(worker: number, spec: RunSpec, event: Extract<FromWorker, { type: 'progress' }>['event']): void;
  /** Stores the record; a throw (the store cannot be written) stops the pool, which then rejects with it. */
  record(worker: number, spec: RunSpec, record: RunRecord): void;
  inUse(worker: number, spec: RunSpec, holder: ClaimHolder, claimFile: string): void;
  stopping(reason: string, running: number, force: boolean): void;
}

export interface PoolOutcome {
  stopped: StoppedRun[];
}

/** What the runner knows about the run a worker is on, for a record if the worker dies and for resume lines. */
interface Current {
  spec: RunSpec;
  startedAt: Date;
  clock: number;
  epoch: number;
}

export const runLabel = (spec: RunSpec): string => `${spec.cellName} ${spec.config.fraction * 100}% seed ${spec.config.seed}`;

/** The failed record of a run whose worker process died under it. */
export function workerDeathRecord(current: Current, code: number | null, signal: string | null): RunRecord {
  const { spec } = current;
  const seconds = (performance.now() - current.clock) / 1000;
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  const hint = signal === 'SIGKILL' ? ' (the out-of-memory killer sends SIGKILL)' : code !== null ? ' (an out-of-memory wasm heap exits this way)' : '';
  return failedRecord(spec, current.startedAt, seconds, {
    name: 'WorkerExit',
    message:
      `worker process ${how} after ${seconds.toFixed(0)} s of this run${hint}; ` +
      `its last finished epoch was ${current.epoch}/${spec.config.training.epochs}, where the next invocation resumes`,
  });
}

interface Slot {
  worker: number;
  child: ChildProcess;
  current: Current | null;
}

export function runOnWorkers(specs: RunSpec[], count: number, options: PoolOptions, on: PoolCallbacks): Promise<PoolOutcome> {
  return new Promise<PoolOutcome>((resolve, reject) => {
    const pool = new WorkerPool(specs, options, on, (error, stopped) => (error ? reject(error) : resolve({ stopped })));
    for (let w = 0; w < count; w++) pool.start(w);
    pool.settleIfIdle();
  });
}

class WorkerPool {
  private readonly queue: RunSpec[];
  private readonly slots = new Set<Slot>();
  private readonly stopped: StoppedRun[] = [];
  private fatal: Error | null = null;
  private stopping = false;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(
    specs: RunSpec[],
    private readonly options: PoolOptions,
    private readonly on: PoolCallbacks,
    private readonly settle: (error: Error | null, stopped: StoppedRun[]) => void,
  ) {
    this.queue = [...specs];
    options.watch.onInterrupt((reason, n) => {
      if (this.slots.size > 0) this.stopAll(reason, n > 1);
    });
  }

  start(worker: number): void {
    if (this.queue.length === 0 || this.stopping) return;
    const child = fork(WORKER_ENTRY, [], {
      execArgv: ['--require', require.resolve('tsx/cjs')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env },
    });
    const slot: Slot = { worker, child, current: null };
    this.slots.add(slot);
    child.on('error', () => undefined); // a send racing the child's exit; 'exit' reports what happened
    child.on('message', (message: FromWorker) => this.onMessage(slot, message));
    child.on('exit', (code, signal) => this.onExit(slot, code, signal));
    const o = this.options;
    this.send(slot, { type: 'init', backend: o.backend, ...(o.threads ? { threads: o.threads } : {}), bootstrap: o.bootstrap, claimWaitMs: o.claimWaitMs });
  }

  settleIfIdle(): void {
    if (this.slots.size > 0) return;
    clearTimeout(this.killTimer);
    this.settle(this.fatal, this.stopped);
  }

  private send(slot: Slot, message: ToWorker): void {
    if (slot.child.connected) slot.child.send(message);
  }

  private next(slot: Slot): void {
    const spec = this.stopping ? undefined : this.queue.shift();
    if (!spec) return this.send(slot, { type: 'exit' });
    slot.current = { spec, startedAt: new Date(), clock: performance.now(), epoch: 0 };
    this.on.runStart(slot.worker, spec);
    this.send(slot, { type: 'run', spec });
  }

  private record(slot: Slot, spec: RunSpec, record: RunRecord): void {
    try {
      this.on.record(slot.worker, spec, record);
    } catch (error) {
      this.fatal ??= error as Error;
      this.stopAll('error', false);
    }
  }

  private markStopped(slot: Slot): void {
    const c = slot.current;
    if (c) this.stopped.push({ label: runLabel(c.spec), epoch: c.epoch, epochs: c.spec.config.training.epochs });
    slot.current = null;
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    const c = slot.current;
    switch (message.type) {
      case 'ready':
        this.on.workerReady(slot.worker, `${message.backend} ${message.version}`);
        return this.next(slot);
      case 'init-failed':
        this.fatal ??= new ConfigError(`worker ${slot.worker}: backend initialisation failed: ${message.message}`);
        return this.stopAll('error', false);
      case 'progress':
        if (!c) return;
        if (message.event.type === 'epoch-end') c.epoch = message.event.epoch;
        if (message.event.type === 'resumed') c.epoch = message.event.fromEpoch;
        return this.on.progress(slot.worker, c.spec, message.event);
      case 'result':
        slot.current = null;
        if (c) this.record(slot, c.spec, message.record);
        return this.next(slot);
      case 'in-use':
        slot.current = null;
        if (c) this.on.inUse(slot.worker, c.spec, message.holder, message.claimFile);
        return this.next(slot);
      case 'stopped':
        return this.markStopped(slot);
      case 'interrupted':
        this.options.watch.interrupt(message.signal);
        return this.markStopped(slot);
    }
  }

  private onExit(slot: Slot, code: number | null, signal: string | null): void {
    this.slots.delete(slot);
    if (slot.current && this.stopping) this.markStopped(slot);
    if (slot.current) {
      // Died mid-run, not asked to stop: record it with its real time; the checkpoint lets the next call resume.
      this.record(slot, slot.current.spec, workerDeathRecord(slot.current, code, signal));
      slot.current = null;
      this.start(slot.worker); // a fresh process for the rest of the queue
    }
    this.settleIfIdle();
  }

  /** Every worker finishes its batch and exits (force: killed now); runs not started stay queued for next time. */
  private stopAll(reason: string, force: boolean): void {
    const running = [...this.slots].filter((s) => s.current !== null).length;
    if (reason !== 'error') this.on.stopping(reason, running, force);
    if (force) {
      for (const slot of this.slots) slot.child.kill('SIGKILL');
      return;
    }
    if (this.stopping) return;
    this.stopping = true;
    this.queue.length = 0;
    for (const slot of this.slots) this.send(slot, slot.current ? { type: 'stop', reason } : { type: 'exit' });
    this.killTimer = setTimeout(() => {
      for (const slot of this.slots) slot.child.kill('SIGKILL');
    }, this.options.stopGraceSeconds * 1000);
    this.killTimer.unref();
  }
}
