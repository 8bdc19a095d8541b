import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TorchAdam } from '../../lib/train/adam';
import { maskedBceWithLogitsSum } from '../../lib/train/loss';
import { EarlyStopping, ReduceLrOnPlateau } from '../../lib/train/schedule';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('TorchAdam', () => {
  const golden = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'train-torch-adam.json'), 'utf8')) as {
    cases: Array<{ lr: number; beta1: number; beta2: number; eps: number; weight_decay: number; initial: number[]; grads: number[][]; after: number[][] }>;
  };
  for (const c of golden.cases) {
    it(`matches torch.optim.Adam step by step (weight_decay=${c.weight_decay})`, () => {
      const p = tf.variable(tf.tensor1d(c.initial));
      const adam = new TorchAdam([p], { learningRate: c.lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.eps, weightDecay: c.weight_decay });
      c.grads.forEach((g, step) => {
        const grad = tf.tensor1d(g);
        adam.apply([grad]);
        grad.dispose();
        const got = Array.from(p.dataSync());
        got.forEach((v, i) => expect(v).toBeCloseTo(c.after[step]![i]!, 6));
      });
      adam.dispose();
      p.dispose();
    });
  }

  it('restores its state exactly: continuing after setState equals not stopping', () => {
    const grads = [[0.3, -1], [0.1, 0.2], [-0.4, 0.05], [0.2, 0.2]];
    const run = (split: boolean): number[] => {
      const p = tf.variable(tf.tensor1d([1, 2]));
      let adam = new TorchAdam([p], { learningRate: 0.1 });
      grads.forEach((g, i) => {
        if (split && i === 2) {
          const state = adam.getState();
          adam.dispose();
          adam = new TorchAdam([p], { learningRate: 0.5 });
          adam.setState(state);
        }
        const t = tf.tensor1d(g);
        adam.apply([t]);
        t.dispose();
      });
      const out = Array.from(p.dataSync());
      adam.dispose();
      p.dispose();
      return out;
    };
    expect(run(true)).toEqual(run(false));
  });
});

describe('maskedBceWithLogitsSum', () => {
  it('equals pos_weight·y·softplus(-z) + (1-y)·softplus(z) over counted entries', () => {
    const z = [0, 2, -30, 40];
    const y = [1, 0, 1, 0];
    const mask = [1, 1, 1, 0];
    const w = [3, 1];
    const loss = tf.tidy(() =>
      maskedBceWithLogitsSum(tf.tensor2d(z, [2, 2]), tf.tensor2d(y, [2, 2]), tf.tensor2d(mask, [2, 2]), tf.tensor1d(w)).dataSync()[0]!,
    );
    const softplus = (v: number): number => Math.log1p(Math.exp(v));
    // entry 0: label 0, y=1, w=3; entry 1: label 1, y=0; entry 2: label 0, y=1, z=-30 (no overflow); entry 3 masked.
    const expected = 3 * softplus(-0) + softplus(2) + 3 * 30.000000000000092;
    expect(loss).toBeCloseTo(expected, 3);
    expect(Number.isFinite(loss)).toBe(true);
  });
});

describe('ReduceLrOnPlateau (torch semantics)', () => {
  it('reduces after more than `patience` epochs without relative improvement, honouring cooldown and minLr', () => {
    const s = new ReduceLrOnPlateau('max', { factor: 0.5, patience: 1, threshold: 0.01, cooldown: 1, minLr: 0.2 });
    let lr = 1;
    const lrs: number[] = [];
    for (const v of [0.5, 0.504, 0.503, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]) {
      lr = s.step(v, lr);
      lrs.push(lr);
    }
    // Expected values printed by torch.optim.lr_scheduler.ReduceLROnPlateau (torch 1.13, Debian python3-torch)
    // for the same sequence and options.
    expect(lrs).toEqual([1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2]);
  });

  it('minimises in min mode and treats NaN as no improvement', () => {
    const s = new ReduceLrOnPlateau('min', { factor: 0.1, patience: 0 });
    expect(s.step(1, 1)).toBe(1);
    expect(s.step(Number.NaN, 1)).toBeCloseTo(0.1, 12);
  });
});

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without an improvement larger than minDelta', () => {
    const e = new EarlyStopping('min', { patience: 2, minDelta: 0.1 });
    expect([1, 0.95, 0.5, 0.45, 0.42].map((v) => e.step(v))).toEqual([false, false, false, false, true]);
  });
});
