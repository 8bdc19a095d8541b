import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pooledFeatures } from '../../lib/models/surgery';
import { featureCacheKey, readFeatureCache, writeFeatureCache } from '../../lib/train/feature-cache';
import {
  extractPooledFeatures,
  fitLinearProbe,
  fitStandardization,
  predictLinearProbe,
  selectRows,
  type FeatureMatrix,
} from '../../lib/train/linear-probe';
import { labelMetrics } from '../../lib/train/evaluate';
import { createRng } from '../../lib/util/random';
import { makeTinyData, memorySource, SIZE } from './helpers';

function twoStageNet(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 1] });
  const a = tf.layers.conv2d({ name: 'stage1', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.randomNormal({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ name: 'stage2', filters: 5, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tf.initializers.randomNormal({ seed: 2 }) }).apply(a) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: b });
}

/** Rows whose first feature carries the label (with noise), the rest noise. */
function separableFeatures(n: number, dim: number, seed: number, ids = Array.from({ length: n }, (_, i) => `r${i}`)): FeatureMatrix {
  const rng = createRng(seed);
  const labels = new Float32Array(n);
  const values = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.next() < 0.3 ? 1 : 0;
    for (let j = 0; j < dim; j++) values[i * dim + j] = rng.normal() * (j === 0 ? 1 : 3) + (j === 0 ? 2 * labels[i]! : 10);
  }
  return { ids, dim, values, numLabels: 1, labels, mask: new Float32Array(n).fill(1) };
}

describe('pooled features of a frozen backbone', () => {
  it('one output per stage, equal to the global average of that layer, rows in source order; no tensor leak', async () => {
    const net = twoStageNet();
    const extractor = pooledFeatures(net, [{ layer: 'stage1' }, { layer: 'stage2', relu: true }]);
    const data = makeTinyData(10, 1, 3);
    const before = tf.memory().numTensors;
    const [s1, s2] = await extractPooledFeatures(extractor, memorySource(data, 4, false, 0), { microBatchSize: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect([s1!.dim, s2!.dim]).toEqual([3, 5]);
    expect(s1!.ids).toEqual(data.ids);
    const x = tf.tensor4d(data.x, [10, SIZE, SIZE, 1]);
    const ref1 = tf.mean(net.getLayer('stage1').apply(x) as tf.Tensor, [1, 2]).dataSync();
    const ref2 = tf.mean(tf.relu(net.apply(x) as tf.Tensor), [1, 2]).dataSync();
    for (let i = 0; i < ref1.length; i++) expect(s1!.values[i]).toBeCloseTo(ref1[i]!, 5);
    for (let i = 0; i < ref2.length; i++) expect(s2!.values[i]).toBeCloseTo(ref2[i]!, 5);
    tf.dispose(x);
    net.dispose();
  });

  it('a missing layer or a non-spatial output is a named error', () => {
    const net = twoStageNet();
    expect(() => pooledFeatures(net, [{ layer: 'nope' }])).toThrow(/no layer named 'nope'/);
    net.dispose();
  });
});

describe('fitLinearProbe', () => {
  const train = separableFeatures(200, 6, 1);
  const val = separableFeatures(80, 6, 2);
  const test = separableFeatures(120, 6, 3);

  it('tries every C, keeps the one with the best validation AUPRC, and predicts with train-set standardisation', () => {
    const probe = fitLinearProbe(train, val, { labelNames: ['y'], selectBy: 'val-mean-auprc', Cs: [1e-4, 1e-2, 1] });
    expect(probe.curve.map((p) => p.C)).toEqual([1e-4, 1e-2, 1]);
    const bestAuprc = Math.max(...probe.curve.map((p) => p.valMeanAuprc!));
    expect(probe.curve.find((p) => p.C === probe.C)!.valMeanAuprc).toBe(bestAuprc);
    expect(probe.curve.every((p) => p.converged.every(Boolean))).toBe(true);
    const s = fitStandardization(train);
    expect(probe.standardization.mean[1]).toBeCloseTo(s.mean[1]!, 10);
    const metrics = labelMetrics(predictLinearProbe(probe, test), ['y']);
    expect(metrics[0]!.auroc!).toBeGreaterThan(0.8);
  });

  it('selects by validation loss when asked', () => {
    const probe = fitLinearProbe(train, val, { labelNames: ['y'], selectBy: 'val-loss', Cs: [1e-6, 1e-2] });
    const best = Math.min(...probe.curve.map((p) => p.valLoss));
    expect(probe.curve.find((p) => p.C === probe.C)!.valLoss).toBe(best);
  });

  it('selectRows picks rows by id in the given order and names a missing id', () => {
    const picked = selectRows(train, ['r5', 'r2']);
    expect(Array.from(picked.values.subarray(0, 6))).toEqual(Array.from(train.values.subarray(30, 36)));
    expect(() => selectRows(train, ['r5', 'zzz'])).toThrow(/no row for item "zzz"/);
  });
});

describe('feature cache', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rethink-features-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips matrices for the same ids and refuses other ids or a corrupt file', () => {
    const a = separableFeatures(7, 3, 4);
    const b = { ...separableFeatures(7, 2, 5), ids: a.ids };
    const key = featureCacheKey({ model: 'm', weights: 'sha', size: 64 });
    expect(featureCacheKey({ size: 64, weights: 'sha', model: 'm' })).toBe(key);
    expect(featureCacheKey({ size: 65, weights: 'sha', model: 'm' })).not.toBe(key);
    expect(readFeatureCache(dir, key, a.ids)).toBeNull();
    writeFeatureCache(dir, key, [a, b]);
    const back = readFeatureCache(dir, key, a.ids)!;
    expect(back.dims).toEqual([3, 2]);
    expect(Array.from(back.values[1]!)).toEqual(Array.from(b.values));
    expect(readFeatureCache(dir, key, [...a.ids].reverse())).toBeNull();
    const file = path.join(dir, `${key}.features`);
    expect(existsSync(file)).toBe(true);
    writeFileSync(file, 'truncated');
    expect(readFeatureCache(dir, key, a.ids)).toBeNull();
  });
});
