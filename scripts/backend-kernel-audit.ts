/**
 * Which kernels does training the paper's models need, and which of them does stock tfjs-backend-wasm 4.22 lack?
 *
 *   npx tsx scripts/backend-kernel-audit.ts
 *
 * Trains one step (forward, BCE-with-logits, backward, Adam) of each model family built by lib/models at a
 * small input size on the wasm backend with the project's training kernels, records every kernel the engine
 * runs, and diffs that set against the kernels stock wasm registers. The result is the list in
 * lib/backend/README.md; rerun it when a model family or a tfjs version changes.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend';
import { densenet121 } from '../lib/models/densenet';
import { resnet50 } from '../lib/models/resnet';
import { cbr } from '../lib/models/cbr';
import { truncateDenseNet } from '../lib/models/surgery';

async function main(): Promise<void> {
  // Stock wasm kernel set, before the project registers anything.
  require('@tensorflow/tfjs-backend-wasm');
  const stock = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  await initBackend({ backend: 'wasm' });
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const runKernel = engine.runKernel.bind(engine);
  const used = new Map<string, Set<string>>();
  let current = '';
  engine.runKernel = (name: string, ...rest: unknown[]) => {
    if (!used.has(name)) used.set(name, new Set());
    used.get(name)!.add(current);
    return runKernel(name, ...rest);
  };
  const models: Array<[string, () => tf.LayersModel, number]> = [
    ['densenet121', () => densenet121({ numClasses: 3, inputSize: 64 }), 64],
    ['densenet121-T1', () => truncateDenseNet(densenet121({ numClasses: 3, inputSize: 64 }), 'T1', { head: 'flatten-linear', numClasses: 3 }), 64],
    ['resnet50', () => resnet50({ numClasses: 3, inputSize: 64 }), 64],
    ['cbr-small', () => cbr('small', { numClasses: 3, inputSize: 121 }), 121],
    ['cbr-tiny', () => cbr('tiny', { numClasses: 3, inputSize: 121 }), 121],
  ];
  for (const [name, build, size] of models) {
    current = name;
    const model = build();
    const optimizer = tf.train.adam(1e-3);
    const x = tf.randomNormal([2, size, size, 3]);
    const y = tf.tensor([[1, 0, 1], [0, 1, 0]]);
    optimizer.minimize(
      () => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    );
    tf.dispose([x, y]);
  }
  const now = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  // The project's own internal kernels (RethinkChannelMoments, ...) are not tfjs kernels: leave them out.
  const tfjsKernels = [...used.entries()].filter(([k]) => !k.startsWith('Rethink')).sort();
  console.log('kernel                      stock-wasm  project  used by');
  for (const [k, who] of tfjsKernels) {
    const mark = stock.has(k) ? 'yes' : 'MISSING';
    const ours = now.has(k) && (!stock.has(k) || ['Conv2DBackpropInput', 'Identity'].includes(k)) ? 'yes' : '';
    console.log(`${k.padEnd(28)}${mark.padEnd(12)}${ours.padEnd(9)}${[...who].join(',')}`);
  }
  const missing = tfjsKernels.map(([k]) => k).filter((k) => !stock.has(k));
  console.log(`\nmissing in stock wasm 4.22: ${missing.join(', ') || '(none)'}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
