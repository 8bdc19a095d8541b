/**
 * Worker-thread entry of decode-pool.ts. Requests arrive in batches (one message per batch); each file is read
 * and decoded with `decodeAndFitNow`, which finishes fast-path PNGs synchronously, so a batch is answered in one
 * message whose pixel buffers are transferred, not copied. Files that go to sharp answer when sharp is done,
 * gathered with whatever else finished by then.
 */
import { parentPort } from 'node:worker_threads';
import type { ErrorDetails } from '../../errors';
import { RethinkError } from '../../errors';
import type { Fit } from './fit';
import { decodeAndFitNow } from './pipeline';

export interface DecodeRequest {
  id: number;
  file: string;
  side: number;
  fit: Fit;
}

/** Errors cross the thread boundary as plain data (structured clone drops the class) and are rebuilt by the pool. */
export type DecodeReply =
  | { id: number; ok: true; pixels: Uint8Array }
  | { id: number; ok: false; name: string; message: string; details?: ErrorDetails };

/**
 * A Uint8Array that owns its whole ArrayBuffer can be transferred; a view into a larger or native-backed buffer
 * (sharp's output Buffers) is copied once so the transfer never detaches memory someone else uses.
 */
function transferable(pixels: Uint8Array): Uint8Array {
  const owns = !Buffer.isBuffer(pixels) && pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength;
  return owns ? pixels : new Uint8Array(pixels);
}

function errorReply(id: number, err: unknown): DecodeReply {
  const e = err instanceof Error ? err : new Error(String(err));
  return { id, ok: false, name: e.name, message: e.message, details: e instanceof RethinkError ? e.details : undefined };
}

const port = parentPort;
if (port) {
  let outbox: DecodeReply[] = [];
  let transfers: ArrayBuffer[] = [];
  let flushScheduled = false;

  const flush = (): void => {
    flushScheduled = false;
    if (outbox.length === 0) return;
    const replies = outbox;
    const buffers = transfers;
    outbox = [];
    transfers = [];
    try {
      port.postMessage(replies, buffers);
    } catch {
      // Error details that cannot be cloned: drop them (the message already names the file).
      port.postMessage(
        replies.map((r) => (r.ok === false ? { ...r, details: undefined } : r)),
        buffers,
      );
    }
  };
  const later = (): void => {
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };
  const succeed = (id: number, pixels: Uint8Array): void => {
    const out = transferable(pixels);
    outbox.push({ id, ok: true, pixels: out });
    transfers.push(out.buffer as ArrayBuffer);
  };

  port.on('message', (batch: DecodeRequest[]) => {
    for (const req of batch) {
      try {
        const result = decodeAndFitNow(req.file, req.side, req.fit);
        if (result instanceof Promise) {
          result.then(
            (r) => {
              succeed(req.id, r.pixels);
              later();
            },
            (err: unknown) => {
              outbox.push(errorReply(req.id, err));
              later();
            },
          );
        } else {
          succeed(req.id, result.pixels);
        }
      } catch (err) {
        outbox.push(errorReply(req.id, err));
      }
    }
    flush();
  });
}
