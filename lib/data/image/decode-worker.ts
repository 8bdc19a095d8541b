/** Worker-thread entry of decode-pool.ts: runs `decodeAndFit` for each request and transfers the pixels back. */
import { parentPort } from 'node:worker_threads';
import type { ErrorDetails } from '../../errors';
import { RethinkError } from '../../errors';
import type { Fit } from './fit';
import { decodeAndFit } from './pipeline';

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

const port = parentPort;
if (port) {
  port.on('message', (req: DecodeRequest) => {
    decodeAndFit(req.file, req.side, req.fit).then(
      (pixels) => {
        const out = transferable(pixels);
        const reply: DecodeReply = { id: req.id, ok: true, pixels: out };
        port.postMessage(reply, [out.buffer as ArrayBuffer]);
      },
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        const reply: DecodeReply = { id: req.id, ok: false, name: e.name, message: e.message, details: e instanceof RethinkError ? e.details : undefined };
        try {
          port.postMessage(reply);
        } catch {
          // details that cannot be cloned: the message already names the file.
          port.postMessage({ ...reply, details: undefined });
        }
      },
    );
  });
}
