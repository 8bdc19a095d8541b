/**
 * Starting the threaded-SIMD build of tfjs-backend-wasm in Node.
 *
 * tfjs 4.22 disables threads in Node (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE, tfjs issue 3830).
 * Forcing the flag is not enough, for two reasons, each worked around here only while the backend initialises:
 *  1. emscripten is handed a `blob:` URL for its pthread worker script, which Node's Worker rejects
 *     (ERR_WORKER_PATH). We write the worker script to a temporary file and return that path from
 *     URL.createObjectURL instead; in that copy the branch that imports the main script from a Blob is
 *     replaced by importScripts(<path of tfjs-backend-wasm-threaded-simd.js>).
 *  2. The C++ side caps its XNNPACK pool at (logical cores)/2, i.e. one thread on a 2-core machine. We make
 *     os.cpus() report 2 x threads entries until the pool exists.
 * Both patches are restored before this function returns.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../errors';

// The real module object, not an esModuleInterop copy: its cpus() is patched below and emscripten calls it.
// (`import os = require('os')` would do the same but tslab compiles notebook imports as ES modules.)
const os: typeof import('os') = require('os');

const BLOB_IMPORT_BRANCH =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

interface WasmPackage {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

function writeWorkerScript(wasmDir: string): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { wasmWorkerContents } = require(path.join(wasmDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  if (!wasmWorkerContents.includes(BLOB_IMPORT_BRANCH)) {
    throw new BackendError(
      'The threaded wasm worker script of @tensorflow/tfjs-backend-wasm is not the 4.22.0 one this workaround ' +
        'patches; use threads: 1.',
      { field: 'threads' },
    );
  }
  const mainScript = path.join(wasmDir, 'tfjs-backend-wasm-threaded-simd.js');
  // The package's template literal turned the script's "\n" escapes into real newlines; tfjs re-escapes
  // them before making its Blob, and so must we.
  const patched = wasmWorkerContents
    .replace(BLOB_IMPORT_BRANCH, `importScripts(${JSON.stringify(mainScript)});`)
    .replace(/\n/g, '\\n');
  // Named by content, so every process reuses one file instead of leaving one per run in the temp dir;
  // written under a unique name and renamed, so concurrent starts never see a half-written script.
  const digest = crypto.createHash('sha256').update(patched).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `rethink-tl-wasm-worker-${digest}.js`);
  if (!fs.existsSync(file)) {
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, patched);
    fs.renameSync(partial, file);
  }
  return file;
}

/**
 * emscripten's pthread workers are ref'd Node Workers, so a script that trained with threads: 2 would never
 * exit by itself. Idle pool threads hold no work that must finish, so let the process exit without them.
 */
function unrefPthreadWorkers(): void {
  const module = (tf.backend() as unknown as { wasm?: { PThread?: Record<string, unknown> } }).wasm;
  const pthread = module?.PThread;
  if (pthread == null) return;
  for (const key of ['unusedWorkers', 'runningWorkers']) {
    const workers = pthread[key];
    if (!Array.isArray(workers)) continue;
    for (const w of workers as Array<{ unref?: () => void }>) w.unref?.();
  }
}

/** Initialises the 'wasm' backend with `threads` XNNPACK threads and returns the count it really uses. */
export async function initThreadedWasm(wasm: WasmPackage, threads: number): Promise<number> {
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const workerFile = writeWorkerScript(wasmDir);
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;
  URL.createObjectURL = (obj: Blob | unknown): string => {
    if (obj instanceof Blob && obj.type === 'application/javascript') return workerFile;
    return originalCreateObjectURL(obj as Blob);
  };
  const realCpus = originalCpus();
  (os as { cpus: typeof os.cpus }).cpus = () =>
    Array.from({ length: Math.max(realCpus.length, 2 * threads) }, (_, i) => realCpus[i % realCpus.length]);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  try {
    wasm.setThreadsCount(threads);
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new BackendError('The threaded wasm backend failed to initialise.', { field: 'threads' });
    unrefPthreadWorkers();
    return wasm.getThreadsCount();
  } finally {
    URL.createObjectURL = originalCreateObjectURL;
    (os as { cpus: typeof os.cpus }).cpus = originalCpus;
  }
}
