import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../../lib/train/loop';
import { loadTrainingState } from '../../lib/train/checkpoint';
import { bceLoss, predict } from '../../lib/train/evaluate';
import type { TrainConfig, TrainResult } from '../../lib/train/types';
import { makeTinyData, memorySource, tinyModel } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-train-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const LABELS = ['a', 'b'];
const trainData = makeTinyData(48, 2, 1);
const valData = makeTinyData(32, 2, 2);

function config(overrides: Partial<TrainConfig> = {}, modelSeed = 7): TrainConfig {
  return {
    model: tinyModel(2, modelSeed),
    train: memorySource(trainData, 8, true, 11),
    val: memorySource(valData, 16, false, 0),
    labelNames: LABELS,
    epochs: 4,
    optimizer: { learningRate: 1e-2 },
    ...overrides,
  };
}

/** The numbers a result is judged by (wall-clock times excluded). */
function numbers(result: TrainResult): unknown {
  return {
    best: result.bestEpoch,
    history: result.history.map((r) => ({ lr: r.learningRate, t: r.trainLoss, v: r.valLoss, m: r.val })),
  };
}

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

describe('train', () => {
  it('learns separable data: training loss falls and validation AUROC rises well above chance', async () => {
    const result = await train(config({ epochs: 6 }));
    const first = result.history[0]!;
    const last = result.history[result.history.length - 1]!;
    expect(last.trainLoss).toBeLessThan(first.trainLoss * 0.8);
    expect(last.valMeanAuroc!).toBeGreaterThan(0.85);
    expect(last.val.map((m) => m.label)).toEqual(LABELS);
    for (const m of last.val) {
      expect(m.auprc).not.toBeNull();
      expect(m.ap).not.toBeNull();
      expect(m.positives + m.negatives).toBe(32);
    }
    expect(result.history.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('is deterministic, dropout included: the same seeds give identical losses, metrics and weights', async () => {
    const a = config({ seed: 5 });
    const b = config({ seed: 5 });
    const ra = await train(a);
    const rb = await train(b);
    expect(numbers(ra)).toEqual(numbers(rb));
    expect(weightsOf(a.model)).toEqual(weightsOf(b.model));
    // The training seed reaches the dropout masks.
    expect(numbers(await train(config({ seed: 6 })))).not.toEqual(numbers(ra));
  });

  it('returns the model at the best epoch by the chosen selection metric', async () => {
    const c = config({ epochs: 4, selectBy: 'val-loss' });
    const result = await train(c);
    const losses = result.history.map((r) => r.valLoss);
    expect(result.bestEpoch).toBe(losses.indexOf(Math.min(...losses)) + 1);
    // The returned weights reproduce the best epoch's validation loss.
    const predictions = await predict(c.model, c.val);
    expect(bceLoss(predictions)).toBeCloseTo(losses[result.bestEpoch - 1]!, 6);
  });

  it('ignores masked labels entirely: their targets do not change training, and they are left out of metrics', async () => {
    const withMask = (garbageSeed: number): typeof trainData => {
      const garbage = makeTinyData(48, 2, garbageSeed);
      const y = Float32Array.from(trainData.y);
      const mask = new Float32Array(y.length).fill(1);
      for (let i = 0; i < trainData.n; i += 2) {
        y[i * 2 + 1] = garbage.y[i * 2 + 1]!; // label b of every other item replaced by noise ...
        mask[i * 2 + 1] = 0; // ... and masked
      }
      return { ...trainData, y, mask };
    };
    const valMask = new Float32Array(valData.y.length).fill(1);
    for (let i = 0; i < 10; i++) valMask[i * 2] = 0; // label a of the first 10 validation items
    const val = memorySource({ ...valData, mask: valMask }, 16, false, 0);
    const c1 = config({ train: memorySource(withMask(100), 8, true, 11), val, epochs: 2 });
    const c2 = config({ train: memorySource(withMask(200), 8, true, 11), val, epochs: 2 });
    const r1 = await train(c1);
    const r2 = await train(c2);
    expect(numbers(r1)).toEqual(numbers(r2));
    expect(r1.history[0]!.val[0]!.positives + r1.history[0]!.val[0]!.negatives).toBe(22);
    expect(r1.history[0]!.val[1]!.positives + r1.history[0]!.val[1]!.negatives).toBe(32);
    // Unmasked, the noise does change training.
    const c3 = config({ train: memorySource({ ...withMask(100), mask: undefined }, 8, true, 11), val, epochs: 2 });
    expect(numbers(await train(c3))).not.toEqual(numbers(r1));
  });

  it('gradient accumulation over micro-batches equals the full batch (no BatchNorm in the model)', async () => {
    const full = config({ model: tinyModel(2, 3, false, false), epochs: 2 });
    const micro = config({ model: tinyModel(2, 3, false, false), epochs: 2, microBatchSize: 3 });
    const rf = await train(full);
    const rm = await train(micro);
    rf.history.forEach((r, i) => {
      expect(rm.history[i]!.trainLoss).toBeCloseTo(r.trainLoss, 5);
      expect(rm.history[i]!.valLoss).toBeCloseTo(r.valLoss, 5);
    });
    const wf = weightsOf(full.model).flat();
    const wm = weightsOf(micro.model).flat();
    wf.forEach((v, i) => expect(wm[i]!).toBeCloseTo(v, 4));
  });

  it('resumes a killed run from its last epoch checkpoint with the same result as an uninterrupted run', async () => {
    const dir = path.join(tmp, 'resume');
    const plateau = { factor: 0.5, patience: 0 };
    const killed = config({ checkpointDir: dir, fingerprint: 'cfg-1', plateau });
    killed.onProgress = (event) => {
      if (event.type === 'epoch-end' && event.epoch === 2) throw new Error('simulated kill');
    };
    await expect(train(killed)).rejects.toThrow('simulated kill');
    expect(loadTrainingState(dir)!.epoch).toBe(2);

    // A fresh process would rebuild the model from scratch: same seed, new object.
    const events: string[] = [];
    const resumed = config({ checkpointDir: dir, fingerprint: 'cfg-1', plateau, onProgress: (e) => events.push(e.type) });
    const rr = await train(resumed);
    expect(rr.resumedFromEpoch).toBe(2);
    expect(events.filter((e) => e === 'epoch-start')).toHaveLength(2);

    const straight = config({ plateau });
    const rs = await train(straight);
    expect(numbers(rr)).toEqual(numbers(rs));
    expect(weightsOf(resumed.model)).toEqual(weightsOf(straight.model));

    // A finished state is final: calling again trains nothing and returns the same result and weights.
    const starts: string[] = [];
    const again = config({ checkpointDir: dir, fingerprint: 'cfg-1', plateau, onProgress: (e) => starts.push(e.type) });
    const ra = await train(again);
    expect(starts).not.toContain('epoch-start');
    expect(numbers(ra)).toEqual(numbers(rs));
    expect(ra.stopReason).toBe(rs.stopReason);
    expect(weightsOf(again.model)).toEqual(weightsOf(straight.model));

    // A checkpoint from another configuration is refused rather than mixed in.
    await expect(train(config({ checkpointDir: dir, fingerprint: 'cfg-2' }))).rejects.toThrow(/cfg-1/);
  });

  it('keeps the tensor count flat across epochs', async () => {
    const counts: number[] = [];
    await train(
      config({
        epochs: 4,
        microBatchSize: 4,
        posWeight: [2, 0.5],
        onProgress: (e) => {
          if (e.type === 'epoch-end') counts.push(tf.memory().numTensors);
        },
      }),
    );
    expect(new Set(counts).size).toBe(1);
  });

  it('rejects bad configuration with a typed error naming the field', async () => {
    await expect(train(config({ posWeight: [1] }))).rejects.toThrow(/posWeight/);
    await expect(train(config({ labelNames: ['a', 'b', 'c'] }))).rejects.toThrow(/labelNames/);
    await expect(train(config({ epochs: 0 }))).rejects.toThrow(/epochs/);
  });
});
