import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ConfigError, DataError } from '../../errors';
import type { Fit } from './fit';
import type { DecodeReply, DecodeRequest } from './decode-worker';

/** Decodes image files to fitted gray squares off the main thread (see createDecodePool). */
export interface DecodePool {
  readonly threads: number;
  /** Same result as `decodeAndFit(file, side, fit)`, computed on a worker thread. */
  decode(file: string, side: number, fit: Fit): Promise<Uint8Array>;
  /** Terminates the workers; pending decodes reject. */
  close(): Promise<void>;
}

export interface DecodePoolOptions {
  /** Worker threads (>= 1). On this project's 2-core target, 2 lets cold decodes use both cores. */
  threads: number;
}

interface Pending {
  resolve: (pixels: Uint8Array) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Requests not yet posted: everything asked for in one tick goes to the worker as one message. */
  outbox: DecodeRequest[];
}

/**
 * The worker entry next to this file. From TypeScript sources (tsx, vitest) the worker gets tsx's CommonJS hook,
 * since a worker does not inherit the parent's loader; from compiled JavaScript it runs as is.
 */
function spawnWorker(): Worker {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, `decode-worker${ext}`);
  const execArgv = ext === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [];
  return new Worker(entry, { execArgv });
}

function toError(reply: Extract<DecodeReply, { ok: false }>): Error {
  if (reply.name === 'DataError') return new DataError(reply.message, reply.details);
  return new Error(reply.message);
}

/**
 * A fixed pool of worker threads running `decodeAndFit` from pipeline.ts, for cache misses: the JS PNG fast path
 * is CPU-bound on whichever thread calls it, so a pool spreads cold decodes over the cores. Requests made in the
 * same tick (a batch's images) go to each worker as one message, and a worker answers everything it finished
 * in one message with the pixel buffers transferred (no copy): per-message costs, not decoding, were most of
 * the pool's overhead. Idle workers are unref'ed, so an open pool never keeps the process alive; a worker with
 * decodes in flight is ref'ed until they settle.
 */
export function createDecodePool(options: DecodePoolOptions): DecodePool {
  const { threads } = options;
  if (!Number.isInteger(threads) || threads < 1) throw new ConfigError(`decode pool threads must be a positive integer, got ${threads}`, { field: 'threads' });
  const slots: Array<Slot | undefined> = [];
  let nextId = 0;
  let closed = false;

  const failAll = (slot: Slot, err: Error): void => {
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
    slot.outbox = [];
  };

  const start = (index: number): Slot => {
    const slot: Slot = { worker: spawnWorker(), pending: new Map(), outbox: [] };
    slot.worker.on('message', (replies: DecodeReply[]) => {
      for (const reply of replies) {
        const p = slot.pending.get(reply.id);
        if (!p) continue;
        slot.pending.delete(reply.id);
        // Explicit `=== false`: tslab type-checks without strictNullChecks, where `if (reply.ok)` does not narrow.
        if (reply.ok === false) p.reject(toError(reply));
        else p.resolve(reply.pixels);
      }
      if (slot.pending.size === 0) slot.worker.unref();
    });
    // A crashed worker (not a bad image: those come back as replies) fails its own decodes and is replaced.
    const onDeath = (err: Error): void => {
      failAll(slot, err);
      if (slots[index] === slot) slots[index] = undefined;
    };
    slot.worker.on('error', (err) => onDeath(new Error(`decode worker failed: ${err.message}`)));
    slot.worker.on('exit', (code) => onDeath(new Error(`decode worker exited with code ${code}`)));
    // After the listeners: attaching them refs the worker's port again.
    slot.worker.unref();
    slots[index] = slot;
    return slot;
  };

  const leastBusy = (): Slot => {
    let best: Slot | undefined;
    for (let i = 0; i < threads; i++) {
      const slot = slots[i] ?? start(i);
      if (!best || slot.pending.size < best.pending.size) best = slot;
    }
    return best!;
  };

  const post = (slot: Slot): void => {
    const batch = slot.outbox;
    slot.outbox = [];
    if (batch.length > 0 && slots.includes(slot)) slot.worker.postMessage(batch);
  };

  return {
    threads,
    decode(file: string, side: number, fit: Fit): Promise<Uint8Array> {
      if (closed) return Promise.reject(new Error('decode pool is closed'));
      const slot = leastBusy();
      const id = nextId++;
      return new Promise<Uint8Array>((resolve, reject) => {
        if (slot.pending.size === 0) slot.worker.ref();
        slot.pending.set(id, { resolve, reject });
        // The first request of a tick schedules the post; the rest of the tick's requests join its batch.
        if (slot.outbox.push({ id, file, side, fit }) === 1) queueMicrotask(() => post(slot));
      });
    },
    async close(): Promise<void> {
      closed = true;
      const live = slots.filter((s): s is Slot => s !== undefined);
      slots.length = 0;
      for (const slot of live) failAll(slot, new Error('decode pool closed'));
      await Promise.all(live.map((s) => s.worker.terminate()));
    },
  };
}
