/**
 * Which kernels does training the paper's models need, and how does each backend run them?
 *
 *   npx tsx scripts/backend-kernel-audit.ts [--backend native|wasm]      (default native)
 *
 * Trains one step (forward, BCE-with-logits, backward, TorchAdam) of each model family built by lib/models at a
 * small input size, with the project's training patches, and records every kernel the engine runs.
 *  - wasm: diffs that set against the kernels stock tfjs-backend-wasm 4.22 registers (what is missing there).
 *  - native: says for each kernel whether it ran natively, fell back to the cpu kernel for some inputs (and how
 *    often), or is a cpu kernel (no native version: fine when small).
 * The result is the lists in lib/backend/README.md; rerun it when a model family or a tfjs version changes.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend';
import { buildModel } from '../lib/experiments/model-factory';
import { nativeFallbackCounts } from '../lib/kernels/native/kernels/common';
import { nativeKernelConfigs } from '../lib/kernels/native/register';
import { cbr } from '../lib/models/cbr';
import { densenet121 } from '../lib/models/densenet';
import { resnet50 } from '../lib/models/resnet';
import { truncateDenseNet } from '../lib/models/surgery';
import { TorchAdam } from '../lib/train/adam';

const MODELS: Array<[string, () => tf.LayersModel | Promise<tf.LayersModel>, number]> = [
  ['densenet121', () => densenet121({ numClasses: 3, inputSize: 64 }), 64],
  ['densenet121-T1', () => truncateDenseNet(densenet121({ numClasses: 3, inputSize: 64 }), 'T1', { head: 'flatten-linear', numClasses: 3 }), 64],
  ['resnet50', () => resnet50({ numClasses: 3, inputSize: 64 }), 64],
  ['cbr-small', () => cbr('small', { numClasses: 3, inputSize: 121 }), 121],
  ['cbr-tiny', () => cbr('tiny', { numClasses: 3, inputSize: 121 }), 121],
  // The grids' ResNet50K (Keras v1: stride on the 1x1 conv, conv biases); needs the cached Keras package.
  ['resnet50-keras', () => buildModel({ id: 'resnet50-keras', truncation: 'F', head: 'gap-linear' }, 'RI', { numClasses: 3, inputSize: 64, seed: 0, weights: null }), 64],
];

/** Records, per kernel name, which models ran it. */
function recordKernels(): { used: Map<string, Set<string>>; setModel(name: string): void } {
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const runKernel = engine.runKernel.bind(engine);
  const used = new Map<string, Set<string>>();
  let current = '';
  engine.runKernel = (name: string, ...rest: unknown[]) => {
    if (!used.has(name)) used.set(name, new Set());
    used.get(name)!.add(current);
    return runKernel(name, ...rest);
  };
  return { used, setModel: (name) => (current = name) };
}

async function trainOneStep(build: () => tf.LayersModel | Promise<tf.LayersModel>, size: number): Promise<void> {
  const model = await build();
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const adam = new TorchAdam(vars, { learningRate: 1e-3 });
  const x = tf.randomNormal([2, size, size, 3]);
  const y = tf.tensor([[1, 0, 1], [0, 1, 0]]);
  const { value, grads } = tf.variableGrads(() => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, vars);
  adam.apply(vars.map((v) => grads[v.name]));
  tf.dispose([x, y, value, ...Object.values(grads)]);
  adam.dispose();
}

async function main(): Promise<void> {
  const backend = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : 'native';
  if (backend !== 'native' && backend !== 'wasm') throw new Error(`--backend must be native or wasm, got ${backend}`);
  // Stock wasm kernel set, before the project registers anything.
  require('@tensorflow/tfjs-backend-wasm');
  const stockWasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  await initBackend({ backend });
  const { used, setModel } = recordKernels();
  for (const [name, build, size] of MODELS) {
    setModel(name);
    try {
      await trainOneStep(build, size);
    } catch (e) {
      console.log(`(${name} skipped: ${(e as Error).message.split('\n')[0]})`);
    }
  }
  const natives = new Set(nativeKernelConfigs().map((k) => k.kernelName));
  const fallbacks = nativeFallbackCounts();
  const rows = [...used.entries()].sort(([a], [b]) => a.localeCompare(b));
  console.log(`${'kernel'.padEnd(30)}${(backend === 'wasm' ? 'stock wasm' : 'runs as').padEnd(34)}used by`);
  for (const [k, who] of rows) {
    const how =
      backend === 'wasm'
        ? stockWasm.has(k) || k.startsWith('Rethink') ? 'yes' : 'MISSING'
        : !natives.has(k) ? 'cpu' : fallbacks.has(k) ? `native; cpu ${fallbacks.get(k)!.calls}x, <= ${fallbacks.get(k)!.maxElements} el.` : 'native';
    console.log(`${k.padEnd(30)}${how.padEnd(34)}${[...who].join(',')}`);
  }
  if (backend === 'wasm') {
    const missing = rows.map(([k]) => k).filter((k) => !stockWasm.has(k) && !k.startsWith('Rethink'));
    console.log(`\nmissing in stock wasm 4.22: ${missing.join(', ') || '(none)'}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
