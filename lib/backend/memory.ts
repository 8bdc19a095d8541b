/**
 * Memory planning for training on the wasm backend.
 *
 * The wasm heap is wasm32: at most 4 GiB (getHeapMax = 4294901760 in both builds), it never shrinks, and
 * running out is NOT a catchable error: the process dies with "memory access out of bounds" / "Aborted()"
 * (exit code 7). So we estimate the peak before training and split the requested batch into micro-batches
 * that fit, accumulating gradients over them (the accumulation loop itself lives in lib/train).
 *
 * BatchNorm consequence of micro-batching: in training mode each BatchNorm layer normalises with the mean
 * and variance of the batch it sees, i.e. of the MICRO-batch. A requested batch of 32 run as 4 micro-batches
 * of 8 gives the same gradients as PyTorch only if PyTorch also used batches of 8 for BN statistics; the
 * running (moving) statistics are updated once per micro-batch (4 momentum updates instead of 1). Results
 * should record the micro-batch size next to the batch size.
 *
 * Two estimates are offered:
 *  - estimateActivationBytesPerImage(model): static, instant, from the layer output shapes;
 *  - measureTrainingBytes(model): measured, by running forward+backward at batch 1 and 2 on the active
 *    backend and recording the peak of live backend buffers (exact for wasm; seconds for DenseNet121 at 224).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { BackendError } from '../errors';

/** The wasm32 heap limit reported by emscripten's getHeapMax in tfjs-backend-wasm 4.22. */
export const WASM_HEAP_LIMIT_BYTES = 4294901760;

/**
 * Budget we plan against: 85 % of the limit. The allocator fragments (the heap is never compacted), and
 * XNNPACK's packed weights and indirection buffers are allocated outside tfjs' accounting.
 */
export const DEFAULT_WASM_HEAP_BUDGET_BYTES = Math.floor(0.85 * WASM_HEAP_LIMIT_BYTES);

/**
 * Peak training bytes per byte of forward activations (sum of all layer outputs for one image), measured
 * with measureTrainingBytes on wasm with the training kernels (low-memory backprop, shared Identity) at
 * 128 px: DenseNet121 123 MiB/image (1.79x its 69 MiB of layer outputs), ResNet50 85 MiB (1.65x),
 * CBR-Small 20 MiB (2.26x). The static estimate uses the largest ratio, so it errs on the safe side.
 */
export const TRAINING_BYTES_PER_ACTIVATION_BYTE = 2.3;

const MiB = 1024 * 1024;

function layerOutputElements(model: LayersModel, batch: number): number {
  let total = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as Array<
      Array<number | null>
    >;
    for (const shape of shapes) {
      total += shape.reduce((acc: number, d) => acc * (d == null ? batch : d), 1);
    }
  }
  return total;
}

/**
 * Static estimate of the training bytes that scale with the batch: bytes of all layer outputs for one image
 * times TRAINING_BYTES_PER_ACTIVATION_BYTE. The model's input shape must be fully defined (except batch).
 */
export function estimateActivationBytesPerImage(model: LayersModel): number {
  return Math.ceil(layerOutputElements(model, 1) * 4 * TRAINING_BYTES_PER_ACTIVATION_BYTE);
}

/** Bytes that do not scale with the batch: weights, their gradients and two Adam slots (4 copies). */
export function estimateFixedTrainingBytes(model: LayersModel): number {
  return model.countParams() * 4 * 4;
}

export interface MicroBatchPlan {
  requestedBatch: number;
  microBatch: number;
  /** Micro-batches per optimizer step; the last one may be smaller when microBatch does not divide the batch. */
  accumulationSteps: number;
  estimatedPeakBytes: number;
  heapBudgetBytes: number;
}

export interface PlanMicroBatchOptions {
  requestedBatch: number;
  bytesPerImage: number;
  fixedBytes?: number;
  heapBudgetBytes?: number;
  /** An explicit cap on the micro-batch (e.g. from the experiment config). */
  maxMicroBatch?: number;
  /** For error messages: e.g. "DenseNet121 at 224 px". */
  modelLabel?: string;
}

/**
 * The largest micro-batch that fits the heap budget, and how many of them make up the requested batch.
 * Throws BackendError (instead of letting wasm abort later) when not even one image fits.
 */
export function planMicroBatch(opts: PlanMicroBatchOptions): MicroBatchPlan {
  const { requestedBatch, bytesPerImage } = opts;
  const fixed = opts.fixedBytes ?? 0;
  const budget = opts.heapBudgetBytes ?? DEFAULT_WASM_HEAP_BUDGET_BYTES;
  const label = opts.modelLabel ?? 'this model';
  if (!Number.isInteger(requestedBatch) || requestedBatch < 1) {
    throw new BackendError(`requestedBatch must be a positive integer, got ${requestedBatch}`, { field: 'requestedBatch' });
  }
  if (!(bytesPerImage > 0)) {
    throw new BackendError(`bytesPerImage must be > 0, got ${bytesPerImage}`, { field: 'bytesPerImage' });
  }
  const fitting = Math.floor((budget - fixed) / bytesPerImage);
  if (fitting < 1) {
    throw new BackendError(
      `${label} needs ~${Math.ceil(bytesPerImage / MiB)} MiB per image plus ~${Math.ceil(fixed / MiB)} MiB for ` +
        `weights and optimizer state, but the wasm heap is capped at 4 GiB (budget ${Math.floor(budget / MiB)} MiB): ` +
        'not even one image fits. Use a smaller image size, a truncated model, or the tensorflow backend ' +
        '(npm install @tensorflow/tfjs-node-gpu@4.22.0 or @tensorflow/tfjs-node@4.22.0).',
      { field: 'batchSize', bytesPerImage, fixedBytes: fixed, heapBudgetBytes: budget },
    );
  }
  const microBatch = Math.min(requestedBatch, fitting, opts.maxMicroBatch ?? Infinity);
  return {
    requestedBatch,
    microBatch,
    accumulationSteps: Math.ceil(requestedBatch / microBatch),
    estimatedPeakBytes: fixed + microBatch * bytesPerImage,
    heapBudgetBytes: budget,
  };
}

/**
 * Throws a BackendError naming the model and the micro-batch that would fit, when `batch` images would not
 * fit the wasm heap. Call before a training step on wasm; a wasm out-of-memory abort cannot be caught.
 */
export function assertBatchFitsWasmHeap(opts: Omit<PlanMicroBatchOptions, 'requestedBatch'> & { batch: number }): void {
  const plan = planMicroBatch({ ...opts, requestedBatch: opts.batch });
  if (plan.microBatch < opts.batch) {
    const need = (opts.fixedBytes ?? 0) + opts.batch * opts.bytesPerImage;
    throw new BackendError(
      `${opts.modelLabel ?? 'this model'} needs ~${Math.ceil(opts.bytesPerImage / MiB)} MiB per image ` +
        `(~${Math.ceil(need / MiB)} MiB for batch ${opts.batch}); the wasm heap is capped at 4 GiB ` +
        `(budget ${Math.floor(plan.heapBudgetBytes / MiB)} MiB): use micro-batch ${plan.microBatch} ` +
        '(gradient accumulation: the training config\'s microBatchSize, a profile\'s training.microBatchSize), a smaller ' +
        'image, or the native backend, which has no heap ceiling.',
      { field: 'batchSize', batch: opts.batch, microBatch: plan.microBatch },
    );
  }
}

interface TrackableBackend {
  write(values: unknown, shape: number[], dtype: string): object;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Runs fn and returns the peak bytes of live backend buffers it caused (wasm backend: exact, counts shared
 * buffers once, includes kernel temporaries). tf.memory().numBytes cannot be used for this: it counts a
 * buffer once per tensor that shares it.
 */
export function measurePeakBackendBytes(fn: () => void): number {
  const backend = tf.backend() as unknown as TrackableBackend;
  if (tf.getBackend() !== 'wasm') {
    throw new BackendError(`measurePeakBackendBytes needs the wasm backend, the active one is '${tf.getBackend()}'`);
  }
  const write = backend.write;
  const dispose = backend.disposeData;
  const sizes = new Map<object, number>();
  let live = 0;
  let peak = 0;
  backend.write = function (values, shape, dtype) {
    const dataId = write.call(this, values, shape, dtype);
    const bytes = shape.reduce((a, b) => a * b, 1) * (dtype === 'string' ? 0 : 4);
    sizes.set(dataId, bytes);
    live += bytes;
    peak = Math.max(peak, live);
    return dataId;
  };
  backend.disposeData = function (dataId, force) {
    const freed = dispose.call(this, dataId, force);
    const bytes = sizes.get(dataId);
    if (freed && bytes != null) {
      live -= bytes;
      sizes.delete(dataId);
    }
    return freed;
  };
  try {
    fn();
  } finally {
    backend.write = write;
    backend.disposeData = dispose;
  }
  return peak;
}

export interface MeasuredTrainingBytes {
  perImage: number;
  fixed: number;
}

/**
 * Measures the batch-dependent and batch-independent parts of a training step's peak (forward + backward
 * with sigmoid cross-entropy on all outputs) by running it at batch 1 and batch 2 on the active wasm backend.
 * Weights are not changed. Moving statistics of BatchNorm layers ARE updated (as in any training-mode call).
 */
export function measureTrainingBytes(model: LayersModel): MeasuredTrainingBytes {
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const peakAt = (batch: number): number =>
    measurePeakBackendBytes(() => {
      const x = tf.zeros([batch, ...inputShape]);
      const { value, grads } = tf.variableGrads(() => {
        const y = model.apply(x, { training: true }) as tf.Tensor;
        return tf.mean(tf.sigmoid(y)) as tf.Scalar;
      }, vars);
      tf.dispose([x, value, ...Object.values(grads)]);
    });
  const p1 = peakAt(1);
  const p2 = peakAt(2);
  const perImage = Math.max(1, p2 - p1);
  // Weights and two Adam slots already exist before the measured step (so are not in p1).
  return { perImage, fixed: Math.max(0, p1 - perImage) + model.countParams() * 4 * 3 };
}
