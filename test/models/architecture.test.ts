/**
 * Structure: parameter counts (torchvision's, via the golden fixture; CBR from paper-facts.md §1.3, derived from
 * sun-umn/TTL utils/CBR.py), truncation sizes (paper-facts.md §2.2 and torch), init, options, description.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors';
import {
  cbr,
  countParams,
  densenet121,
  describeModel,
  resnet50,
  truncateAt,
  truncateDenseNet,
  truncateModel,
  type CbrVariant,
  type Truncation,
} from '../../lib/models';
import { GOLDEN } from './golden-fill';

let dense: tf.LayersModel;
let res: tf.LayersModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dense = densenet121({ numClasses: 1000 });
  res = resnet50({ numClasses: 1000 });
});

function std(values: Float32Array): number {
  let s = 0;
  let s2 = 0;
  for (const v of values) {
    s += v;
    s2 += v * v;
  }
  const m = s / values.length;
  return Math.sqrt(s2 / values.length - m * m);
}

describe('parameter counts', () => {
  it('DenseNet121 and ResNet50 equal torchvision (sum of parameters(), 1000 classes)', () => {
    expect(countParams(dense)).toBe(GOLDEN.paramCounts1000.densenet121);
    expect(countParams(res)).toBe(GOLDEN.paramCounts1000.resnet50);
    expect(GOLDEN.paramCounts1000.densenet121).toBe(7_978_856);
    expect(GOLDEN.paramCounts1000.resnet50).toBe(25_557_032);
  });

  it('includeBuffers adds exactly the BN running statistics (the Keras/tfjs count)', () => {
    expect(countParams(dense, { includeBuffers: true })).toBe(dense.countParams());
    expect(countParams(dense, { includeBuffers: true }) - countParams(dense)).toBeGreaterThan(0);
  });

  // paper-facts.md §1.3 (derived from the authors' CBR.py): totals for C = 2, 1, 1000.
  const CBR_COUNTS: Record<CbrVariant, [number, number, number]> = {
    'large-t': [8_538_626, 8_538_113, 9_050_600],
    'large-w': [8_442_882, 8_442_369, 8_954_856],
    small: [2_114_050, 2_113_793, 2_370_536],
    tiny: [4_309_506, 4_308_993, 4_821_480],
  };
  for (const [variant, counts] of Object.entries(CBR_COUNTS) as [CbrVariant, number[]][]) {
    it(`CBR ${variant} matches paper-facts §1.3 for C = 2, 1, 1000`, () => {
      [2, 1, 1000].forEach((numClasses, i) => {
        const m = cbr(variant, { numClasses });
        expect(countParams(m)).toBe(counts[i]);
        m.dispose();
      });
    });
  }
});

describe('truncation', () => {
  // paper-facts.md §2.2 table; the backbone counts and flatten sizes are also recomputed by torch in the fixture.
  const PAPER: Record<Truncation, { backbone: number; flatten: number; flatLin2: number; gapLin2: number }> = {
    T1: { backbone: 377_856, flatten: 100_352, flatLin2: 578_562, gapLin2: 378_114 },
    T2: { backbone: 1_429_632, flatten: 50_176, flatLin2: 1_529_986, gapLin2: 1_430_146 },
    T3: { backbone: 4_793_728, flatten: 25_088, flatLin2: 4_843_906, gapLin2: 4_794_754 },
    F: { backbone: 6_953_856, flatten: 50_176, flatLin2: 7_054_210, gapLin2: 6_955_906 },
  };
  for (const level of ['T1', 'T2', 'T3', 'F'] as Truncation[]) {
    it(`DenseNet121-${level} at 224 px: backbone, flatten size and head totals match the paper's code`, () => {
      const p = PAPER[level];
      expect(GOLDEN.truncation224.densenet121[level]).toEqual({ backbone: p.backbone, flatten: p.flatten });
      const backbone = truncateDenseNet(dense, level, { head: 'none' });
      expect(countParams(backbone)).toBe(p.backbone);
      const flat = truncateDenseNet(dense, level, { head: 'flatten-linear', numClasses: 2 });
      expect(flat.getLayer('classifier').getWeights()[0]!.shape).toEqual([p.flatten, 2]);
      expect(countParams(flat)).toBe(p.flatLin2);
      expect(countParams(truncateDenseNet(dense, level, { head: 'gap-linear', numClasses: 2 }))).toBe(p.gapLin2);
    });
  }

  it('F + gap-linear is torchvision\'s own head (ReLU before pooling); flatten-linear has no ReLU', () => {
    const gap = truncateDenseNet(dense, 'F', { head: 'gap-linear', numClasses: 2 });
    expect(gap.layers.map((l) => l.name)).toContain('classifier.relu');
    const flat = truncateDenseNet(dense, 'F', { head: 'flatten-linear', numClasses: 2 });
    expect(flat.layers.map((l) => l.name)).not.toContain('classifier.relu');
  });

  // The golden file names ResNet's cuts after torch's layer1..layer3 (L1..L3); the registry's vocabulary is T1..T3.
  for (const [level, goldenLevel] of [['T1', 'L1'], ['T2', 'L2'], ['T3', 'L3'], ['F', 'F']] as Array<[Truncation, string]>) {
    it(`ResNet50-${level} at 224 px: backbone count and flatten size equal torch's children()[:4+k]`, () => {
      const ref = GOLDEN.truncation224.resnet50[goldenLevel]!;
      expect(countParams(truncateModel('resnet50', res, level, { head: 'none' }))).toBe(ref.backbone);
      const flat = truncateModel('resnet50', res, level, { head: 'flatten-linear', numClasses: 2 });
      expect(flat.getLayer('fc').getWeights()[0]!.shape).toEqual([ref.flatten, 2]);
    });
  }

  it('the truncated model shares the source weights; its new head is seeded', () => {
    const t2a = truncateDenseNet(dense, 'T2', { head: 'gap-linear', numClasses: 3, seed: 7 });
    const t2b = truncateDenseNet(dense, 'T2', { head: 'gap-linear', numClasses: 3, seed: 7 });
    const t2c = truncateDenseNet(dense, 'T2', { head: 'gap-linear', numClasses: 3, seed: 8 });
    const src = dense.getLayer('features.transition2.conv').getWeights()[0]!;
    const kept = t2a.getLayer('features.transition2.conv').getWeights()[0]!;
    expect(kept.dataSync()).toEqual(src.dataSync());
    const ha = t2a.getLayer('classifier').getWeights()[0]!.dataSync();
    expect(t2b.getLayer('classifier').getWeights()[0]!.dataSync()).toEqual(ha);
    expect(t2c.getLayer('classifier').getWeights()[0]!.dataSync()).not.toEqual(ha);
    const bound = 1 / Math.sqrt(256);
    expect(Math.max(...ha.map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  it('releaseSource frees the layers beyond the cut; disposing the truncated model frees the rest', () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const m = cbr('tiny', { numClasses: 2 });
      const t = truncateAt(m, 'pool2', { head: 'gap-linear', numClasses: 2, releaseSource: true });
      t.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('truncateAt rejects an unknown layer and a head without numClasses', () => {
    expect(() => truncateAt(dense, 'features.nope', { head: 'gap-linear', numClasses: 2 })).toThrow(ConfigError);
    expect(() => truncateAt(dense, 'features.norm5', { head: 'gap-linear' })).toThrow(/numClasses/);
  });
});

describe('initialisation (torchvision schemes, seeded)', () => {
  it('DenseNet convs are kaiming normal fan_in, BN gamma 1 / beta 0, Linear bias 0', () => {
    const k = dense.getLayer('features.denseblock3.denselayer1.conv1').getWeights()[0]!; // [1,1,256,128]: fan_in 256
    expect(std(k.dataSync() as Float32Array) / Math.sqrt(2 / 256)).toBeCloseTo(1, 1);
    const [gamma, beta] = dense.getLayer('features.norm0').getWeights();
    expect([...gamma!.dataSync()].every((v) => v === 1)).toBe(true);
    expect([...beta!.dataSync()].every((v) => v === 0)).toBe(true);
    expect([...dense.getLayer('classifier').getWeights()[1]!.dataSync()].every((v) => v === 0)).toBe(true);
  });

  it('ResNet convs are kaiming normal fan_out', () => {
    const k = res.getLayer('layer3.0.conv1').getWeights()[0]!; // [1,1,512,256]: fan_out 256
    expect(std(k.dataSync() as Float32Array) / Math.sqrt(2 / 256)).toBeCloseTo(1, 1);
  });

  it('CBR convs use the torch default U(+-1/sqrt(fan_in)) with biases', () => {
    const m = cbr('small', { numClasses: 2 });
    const [k, b] = m.getLayer('CBR2.conv').getWeights();
    const bound = 1 / Math.sqrt(7 * 7 * 32);
    const kv = k!.dataSync() as Float32Array;
    expect(Math.max(...kv.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(std(kv) / (bound / Math.sqrt(3))).toBeCloseTo(1, 1);
    expect(Math.max(...(b!.dataSync() as Float32Array).map(Math.abs))).toBeLessThanOrEqual(bound);
    m.dispose();
  });

  it('the same seed gives the same weights, another seed different ones', () => {
    const a = cbr('tiny', { numClasses: 2, seed: 1 });
    const b = cbr('tiny', { numClasses: 2, seed: 1 });
    const c = cbr('tiny', { numClasses: 2, seed: 2 });
    const w = (m: tf.LayersModel) => m.getLayer('CBR1.conv').getWeights()[0]!.dataSync();
    expect(w(b)).toEqual(w(a));
    expect(w(c)).not.toEqual(w(a));
    [a, b, c].forEach((m) => m.dispose());
  });
});

describe('options and description', () => {
  it('channels: 1 builds a 1-channel stem; outputs are logits of numClasses', () => {
    const m = densenet121({ numClasses: 1, channels: 1, inputSize: 64 });
    expect(m.inputs[0]!.shape).toEqual([null, 64, 64, 1]);
    expect(m.getLayer('features.conv0').getWeights()[0]!.shape).toEqual([7, 7, 1, 64]);
    expect(m.outputs[0]!.shape).toEqual([null, 1]);
    expect(m.getLayer('classifier').getConfig().activation).toBe('linear');
    m.dispose();
  });

  it('rejects bad options with ConfigError naming the field', () => {
    expect(() => densenet121({ numClasses: 0 })).toThrow(/numClasses/);
    expect(() => cbr('large-t', { numClasses: 2, inputSize: 128 })).toThrow(ConfigError);
    expect(() => cbr('huge' as CbrVariant, { numClasses: 2 })).toThrow(/unknown variant/);
  });

  it('describeModel gives the DenseNet stages with output shapes and parameters that add up', () => {
    const d = describeModel(dense);
    expect(d.stages.map((s) => s.name)).toEqual([
      'stem', 'denseblock1', 'transition1', 'denseblock2', 'transition2', 'denseblock3', 'transition3', 'denseblock4', 'norm5', 'head',
    ]);
    expect(d.stages.find((s) => s.name === 'transition1')!.outputShape).toEqual([28, 28, 128]);
    expect(d.stages.find((s) => s.name === 'denseblock4')!.outputShape).toEqual([7, 7, 1024]);
    expect(d.stages.reduce((a, s) => a + s.params, 0)).toBe(d.params);
    const stem = d.stages[0]!.params + d.stages[1]!.params + d.stages[2]!.params;
    expect(stem).toBe(377_856); // = the T1 backbone
  });

  it('describeModel gives the ResNet and CBR stages', () => {
    expect(describeModel(res).stages.map((s) => [s.name, s.outputShape])).toEqual([
      ['stem', [56, 56, 64]], ['layer1', [56, 56, 256]], ['layer2', [28, 28, 512]], ['layer3', [14, 14, 1024]],
      ['layer4', [7, 7, 2048]], ['head', [1000]],
    ]);
    const m = cbr('large-t', { numClasses: 2 });
    expect(describeModel(m).stages.map((s) => [s.name, s.outputShape])).toEqual([
      ['block1', [108, 108, 32]], ['block2', [50, 50, 64]], ['block3', [21, 21, 128]], ['block4', [7, 7, 256]],
      ['block5', [1, 1, 512]], ['head', [2]],
    ]);
    m.dispose();
  });
});
