/**
 * Worker process entry: its own tfjs engine and backend, runs one RunSpec at a time and sends back progress
 * events and the finished record. Started by the runner with child_process.fork (through tsx's CJS hook).
 */
import { initBackend } from '../backend/index';
import { executeRun } from './execute';
import type { FromWorker, ToWorker } from './protocol';

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

let bootstrap = 1000;
let queue: Promise<void> = Promise.resolve();

process.on('message', (message: ToWorker) => {
  queue = queue.then(async () => {
    if (message.type === 'init') {
      bootstrap = message.bootstrap;
      try {
        const info = await initBackend({ backend: message.backend, ...(message.threads ? { threads: message.threads } : {}) });
        await send({ type: 'ready', backend: info.backend, version: info.version });
      } catch (error) {
        await send({ type: 'init-failed', message: (error as Error).message });
      }
    } else if (message.type === 'run') {
      const { spec } = message;
      let lastBatchSent = 0;
      const record = await executeRun(spec, {
        bootstrap,
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
      await send({ type: 'result', record });
    } else if (message.type === 'exit') {
      process.disconnect?.();
      process.exit(0);
    }
  });
});

process.on('disconnect', () => process.exit(0));
