/**
 * The TypeScript twin of scripts/gen-model-golden.py's deterministic fill (keep the two in sync): values are a
 * formula of the state-dict key and the flat C-order index, so the golden fixture needs no weight file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { hashString } from '../../lib/util/random';
import { torchStateDictSpec, writeSafetensors, type WritableTensor } from '../../lib/models';
import type { TorchParamKind } from '../../lib/models';

export interface Summary {
  shape: number[];
  indices: number[];
  values: number[];
  sum: number;
  sumAbs: number;
}
export interface Full {
  shape: number[];
  values: number[];
}

export const GOLDEN = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../fixtures/models-golden.json'), 'utf-8'),
) as {
  torch: string;
  torchvision: string;
  paramCounts1000: { densenet121: number; resnet50: number };
  truncation224: Record<'densenet121' | 'resnet50', Record<string, { backbone: number; flatten: number }>>;
  densenet121: {
    input: number[];
    stateDict: [string, number[]][];
    logits: Full;
    features: Record<string, Summary>;
    t1FlattenLinear: { stateDict: [string, number[]][]; logits: Full };
  };
  resnet50: { input: number[]; stateDict: [string, number[]][]; logits: Full; features: Record<string, Summary> };
  cbr: Record<string, { input: number[]; stateDict: [string, number[]][]; logits: Full; features: Summary }>;
  bnTraining: {
    input: number[];
    stateDict: [string, number[]][];
    bnOutput: Summary;
    runningMean: number[];
    runningVarTorch: number[];
    runningVarBiasedUpdate: number[];
    reductionSize: number;
  };
};

export function fillValues(key: string, shape: number[], kind: TorchParamKind): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const phase = (hashString(key) % 6283) / 1000;
  const out = new Float32Array(n);
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const weightScale = Math.sqrt(3 / fanIn);
  for (let i = 0; i < n; i++) {
    const w = Math.sin(0.61803 * i + phase);
    switch (kind) {
      case 'conv-weight':
      case 'linear-weight':
        out[i] = weightScale * w;
        break;
      case 'bias':
      case 'bn-bias':
      case 'bn-mean':
        out[i] = 0.1 * w;
        break;
      case 'bn-weight':
        out[i] = 1 + 0.2 * w;
        break;
      case 'bn-var':
        out[i] = 1 + 0.5 * w;
        break;
    }
  }
  return out;
}

/**
 * Write the golden weights for `model` to a safetensors file, in torch layout, with torch's
 * `num_batches_tracked` buffers included (the loader must skip them).
 */
export function writeGoldenWeights(model: tf.LayersModel, file: string): void {
  const tensors = new Map<string, WritableTensor>();
  for (const spec of torchStateDictSpec(model)) {
    tensors.set(spec.key, { shape: spec.torchShape, data: fillValues(spec.key, spec.torchShape, spec.kind) });
    if (spec.kind === 'bn-var') {
      const key = spec.key.replace(/running_var$/, 'num_batches_tracked');
      tensors.set(key, { dtype: 'I64', shape: [], data: new BigInt64Array([0n]) });
    }
  }
  writeSafetensors(file, tensors);
}

/** Deterministic NCHW input as in the Python script, returned as NHWC. */
export function goldenInput([n, c, h, w]: number[]): tf.Tensor4D {
  const size = n! * c! * h! * w!;
  const data = new Float32Array(size);
  for (let j = 0; j < size; j++) data[j] = Math.sin(0.0137 * j) + 0.5 * Math.cos(0.291 * j + 0.3);
  return tf.tidy(() => tf.tensor4d(data, [n!, c!, h!, w!]).transpose([0, 2, 3, 1]));
}

/** NHWC tensor -> its values in NCHW flat order. */
export function toNchwValues(t: tf.Tensor): Float32Array {
  return tf.tidy(() => (t.rank === 4 ? t.transpose([0, 3, 1, 2]) : t).dataSync() as Float32Array);
}

/** max |ours - ref| / max |ref|: the relative deviation reported in the closing note. */
export function relativeDeviation(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - ref[i]!));
    maxRef = Math.max(maxRef, Math.abs(ref[i]!));
  }
  return maxDiff / maxRef;
}

export function compareSummary(ours: tf.Tensor, ref: Summary): { deviation: number; sumRel: number } {
  const flat = toNchwValues(ours);
  const sampled = ref.indices.map((i) => flat[i]!);
  let sum = 0;
  for (const v of flat) sum += v;
  return {
    deviation: relativeDeviation(sampled, ref.values),
    sumRel: Math.abs(sum - ref.sum) / ref.sumAbs,
  };
}

/** Deviations are collected here and printed once per file, for the closing note. */
export const deviations: Record<string, number> = {};
