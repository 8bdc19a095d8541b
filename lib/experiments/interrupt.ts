/**
 * How a grid learns that it must stop: SIGINT or SIGTERM to the runner's process (Ctrl-C, a process manager, a
 * notebook's interrupt), a worker that received one of them, or the caller's AbortSignal. While a grid runs,
 * these signals no longer kill the process outright: the runner stops its runs at the next batch, records what
 * finished, releases the store and then reports the interruption. A repeated signal asks to stop now.
 */
import * as os from 'node:os';
import { InterruptedError } from '../errors';
import { processAlive } from '../util/process';

export interface InterruptWatch {
  /** 'SIGINT', 'SIGTERM' or 'abort' once interrupted, else null. */
  readonly reason: string | null;
  /** Called on every interrupt; `count` is 1 for the first, 2+ for repeats. */
  onInterrupt(listener: (reason: string, count: number) => void): void;
  interrupt(reason: string): void;
  dispose(): void;
}

export function watchInterrupts(options: { handleSignals: boolean; signal?: AbortSignal }): InterruptWatch {
  let reason: string | null = null;
  let count = 0;
  const listeners: Array<(reason: string, count: number) => void> = [];
  const interrupt = (why: string): void => {
    reason ??= why;
    count += 1;
    for (const listener of listeners) listener(reason, count);
  };
  const onSigint = (): void => interrupt('SIGINT');
  const onSigterm = (): void => interrupt('SIGTERM');
  const onAbort = (): void => interrupt('abort');
  if (options.handleSignals) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
  }
  if (options.signal?.aborted) interrupt('abort');
  options.signal?.addEventListener('abort', onAbort);
  return {
    get reason() {
      return reason;
    },
    onInterrupt(listener) {
      listeners.push(listener);
    },
    interrupt,
    dispose() {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      options.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** The conventional exit code of a process stopped by `reason`: 128 + the signal number (130 for SIGINT). */
export function interruptExitCode(reason: string): number {
  const number = (os.constants.signals as Record<string, number>)[reason];
  return 128 + (number ?? os.constants.signals.SIGINT);
}

/** A run left unfinished by an interruption, and the epoch its checkpoint holds (0: none yet). */
export interface StoppedRun {
  label: string;
  epoch: number;
  epochs: number;
}

/** The one-line account of an interrupted grid: what stopped, where it will resume, what was kept. */
export function interruptedError(reason: string, stopped: StoppedRun[], recorded: number): InterruptedError {
  const runs = stopped.map((s) => `${s.label} at epoch ${s.epoch}/${s.epochs}`).join('; ');
  const what = stopped.length === 0 ? 'no run was left unfinished' : `stopped ${stopped.length} run${stopped.length > 1 ? 's' : ''} (${runs})`;
  return new InterruptedError(
    `interrupted by ${reason}: ${what}; ${recorded} record${recorded === 1 ? '' : 's'} written before it. ` +
      'Run the same command again: finished runs are kept, stopped ones resume from their last finished epoch',
    { signal: reason, stopped },
  );
}

/**
 * For a process started by another one without an IPC channel (the figure notebooks' training child): when the
 * parent is gone (a notebook kernel restarted or killed), stop as if sent SIGTERM, so a runner in this process
 * stops cleanly instead of training on unseen. Checks once a second; never keeps the process alive.
 */
export function stopWhenParentDies(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (!processAlive(parent)) process.kill(process.pid, 'SIGTERM');
  }, 1000).unref();
}
