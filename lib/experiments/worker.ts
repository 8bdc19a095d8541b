/**
 * Worker process entry: its own tfjs engine and backend, runs one RunSpec at a time and sends back progress
 * events and the finished record. Started by the runner with child_process.fork (through tsx's CJS hook).
 *
 * Stopping: a 'stop' message, or SIGINT/SIGTERM sent to this process (Ctrl-C reaches every process of the
 * terminal's group), stops the current run at its next batch with its last epoch checkpoint intact. When the
 * runner is gone (the IPC channel closes) the worker exits at once, so no orphan keeps training.
 */
import { initBackend } from '../backend/index';
import { interruptExitCode } from './interrupt';
import type { FromWorker, ToWorker } from './protocol';
import { runOne } from './run-one';

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

let bootstrap = 1000;
let claimWaitMs = 30_000;
let queue: Promise<void> = Promise.resolve();
let busy = false;
/** Why the current run must stop: 'stop' (asked by the runner) or the signal this process received. */
let stopReason: string | null = null;

async function finish(): Promise<never> {
  if (stopReason === 'stop' || stopReason === null) await send({ type: 'stopped' });
  else await send({ type: 'interrupted', signal: stopReason });
  process.disconnect?.();
  process.exit(stopReason && stopReason !== 'stop' ? interruptExitCode(stopReason) : 0);
}

function requestStop(reason: string): void {
  stopReason ??= reason;
  if (!busy) void finish();
}

process.on('message', (message: ToWorker) => {
  // A stop must not wait behind the run it stops.
  if (message.type === 'stop') return requestStop('stop');
  queue = queue.then(async () => {
    if (message.type === 'init') {
      bootstrap = message.bootstrap;
      claimWaitMs = message.claimWaitMs;
      try {
        const info = await initBackend({ backend: message.backend, ...(message.threads ? { threads: message.threads } : {}) });
        await send({ type: 'ready', backend: info.backend, version: info.version });
      } catch (error) {
        await send({ type: 'init-failed', message: (error as Error).message });
      }
    } else if (message.type === 'run') {
      await run(message.spec);
    } else if (message.type === 'exit') {
      process.disconnect?.();
      process.exit(0);
    }
  });
});

async function run(spec: Extract<ToWorker, { type: 'run' }>['spec']): Promise<void> {
  busy = true;
  let lastBatchSent = 0;
  const outcome = await runOne(spec, {
    bootstrap,
    claimWaitMs,
    stopReason: () => stopReason,
    onProgress: (event) => {
      // Batch events are throttled to ~4/s: IPC is cheap but not free, and bars do not need more.
      if (event.type === 'batch') {
        const now = Date.now();
        if (now - lastBatchSent < 250) return;
        lastBatchSent = now;
      }
      void send({ type: 'progress', configHash: spec.configHash, event });
    },
  });
  busy = false;
  if (outcome.kind === 'record') await send({ type: 'result', record: outcome.record });
  else if (outcome.kind === 'in-use') await send({ type: 'in-use', holder: outcome.holder, claimFile: outcome.claimFile });
  if (stopReason !== null) await finish();
}

process.on('SIGINT', () => requestStop('SIGINT'));
process.on('SIGTERM', () => requestStop('SIGTERM'));
process.on('disconnect', () => process.exit(0));
