/** Checkpoints on disk without tfjs-node, and surgery on a real pretrained tfjs model (MobileNet v1 0.25). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightsError } from '../../lib/errors';
import {
  cbr,
  countParams,
  densenet121,
  describeModel,
  loadCheckpoint,
  loadMobileNetV1,
  MOBILENET_V1_025_SOURCE,
  MOBILENET_V1_025_CUTS,
  preprocessImages,
  saveCheckpoint,
  truncateAt,
  truncateDenseNet,
} from '../../lib/models';

const SHARED = process.env.RETHINK_SHARED ?? path.resolve(__dirname, '../../../shared');
const MOBILENET_DIR = path.join(SHARED, 'weights', 'mobilenet_v1_0.25_224');
let dir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-ckpt-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('checkpoints', () => {
  it('round-trips a truncated DenseNet: same topology, weights, outputs and metadata', async () => {
    const t1 = truncateDenseNet(densenet121({ numClasses: 2, inputSize: 64, seed: 4 }), 'T1', {
      head: 'flatten-linear',
      numClasses: 2,
      seed: 5,
    });
    const ckpt = path.join(dir, 't1');
    await saveCheckpoint(t1, ckpt, { metadata: { source: 'random-init', seed: 4 } });
    expect(fs.readdirSync(ckpt).sort()).toEqual(['model.json', 'weights.bin']);
    const back = await loadCheckpoint(ckpt);
    expect(back.layers.map((l) => l.name)).toEqual(t1.layers.map((l) => l.name));
    expect(countParams(back)).toBe(countParams(t1));
    expect(back.getUserDefinedMetadata()).toEqual({ source: 'random-init', seed: 4 });
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1);
    const a = (t1.predict(x) as tf.Tensor).dataSync();
    const b = (back.predict(x) as tf.Tensor).dataSync();
    expect(b).toEqual(a);
  });

  it('keeps BatchNorm moving statistics and the BN epsilon', async () => {
    const m = cbr('tiny', { numClasses: 2, inputSize: 91 });
    const bn = m.getLayer('CBR2.bn');
    const w = bn.getWeights();
    bn.setWeights([w[0]!, w[1]!, tf.fill([128], 0.25), tf.fill([128], 3)]);
    const ckpt = path.join(dir, 'tiny');
    await saveCheckpoint(m, ckpt);
    const back = await loadCheckpoint(ckpt);
    const [, , mean, variance] = back.getLayer('CBR2.bn').getWeights();
    expect([...mean!.dataSync()].every((v) => v === 0.25)).toBe(true);
    expect([...variance!.dataSync()].every((v) => v === 3)).toBe(true);
    expect(back.getLayer('CBR2.bn').getConfig().epsilon).toBe(1e-5);
  });

  it('a missing directory or shard is a WeightsError naming the file', async () => {
    await expect(loadCheckpoint(path.join(dir, 'nope'))).rejects.toThrow(/nope.*model\.json/);
    const ckpt = path.join(dir, 'broken');
    await saveCheckpoint(cbr('tiny', { numClasses: 2, inputSize: 91 }), ckpt);
    fs.rmSync(path.join(ckpt, 'weights.bin'));
    await expect(loadCheckpoint(ckpt)).rejects.toThrow(WeightsError);
  });
});

describe.skipIf(!fs.existsSync(MOBILENET_DIR))('truncateAt on real MobileNet v1 0.25 weights', () => {
  it('loads with checksums, cuts at conv_pw_11_relu, keeps the pretrained weights and gives the right shapes', async () => {
    const mobilenet = await loadMobileNetV1(MOBILENET_DIR);
    expect(mobilenet.outputs[0]!.shape).toEqual([null, 1000]);
    const cut = MOBILENET_V1_025_CUTS.T2;
    const t = truncateAt(mobilenet, cut, { head: 'gap-linear', numClasses: 3, headName: 'head' });
    expect(t.outputs[0]!.shape).toEqual([null, 3]);
    const kept = t.getLayer('conv_pw_7').getWeights()[0]!.dataSync();
    expect(kept).toEqual(mobilenet.getLayer('conv_pw_7').getWeights()[0]!.dataSync());
    expect(t.layers.map((l) => l.name)).not.toContain('conv_pw_12');
    const d = describeModel(t);
    expect(d.stages.at(-2)!.outputShape).toEqual([14, 14, 128]);
    const x = preprocessImages(tf.fill([1, 224, 224, 3], 128) as tf.Tensor4D, MOBILENET_V1_025_SOURCE.preprocessing);
    expect(x.dataSync()[0]).toBeCloseTo(128 / 127.5 - 1, 6);
    const features = truncateAt(mobilenet, cut, { head: 'none' });
    expect((features.predict(x) as tf.Tensor).shape).toEqual([1, 14, 14, 128]);
  });

  it('a corrupted shard fails the checksum with the file named', async () => {
    const copy = path.join(dir, 'mobilenet');
    fs.cpSync(MOBILENET_DIR, copy, { recursive: true });
    const shard = path.join(copy, 'group3-shard1of1');
    const bytes = fs.readFileSync(shard);
    bytes[10] = bytes[10]! ^ 0xff;
    fs.writeFileSync(shard, bytes);
    await expect(loadMobileNetV1(copy)).rejects.toThrow(/sha256 mismatch for .*group3-shard1of1/);
  });
});
