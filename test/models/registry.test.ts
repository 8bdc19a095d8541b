/**
 * The model registry is the one place that knows a model: these tests hold each entry to what the factory, the
 * data pipeline and the truncation figures rely on.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors';
import { buildModel, checkAvailability, normalizationFor, normalizeModelSpec } from '../../lib/experiments/model-factory';
import { countParams, MODEL_IDS, MODELS, modelEntry, TRUNCATIONS } from '../../lib/models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('MODELS', () => {
  it("normalises pixels as the grid's pretrained source expects, for TL and RI cells alike", () => {
    for (const id of MODEL_IDS) expect(normalizationFor({ id }), id).toBe(MODELS[id].pretrained.imagenet.preprocessing);
    expect(normalizationFor({ id: 'resnet50-keras' })).toBe('caffe');
    expect(normalizationFor({ id: 'densenet121' })).toBe('imagenet');
  });

  it('a grid whose TL source a model lacks records its TL cells as unavailable, naming the source', async () => {
    const a = await checkAvailability({ id: 'cbr-small' }, 'TL', {}, 'xrv' as never);
    expect(a).toEqual({ available: false, reason: "unavailable: CBR-Small has no 'xrv' pretrained source" });
  });

  it('has one display name per model', () => {
    expect(new Set(MODEL_IDS.map((id) => MODELS[id].displayName)).size).toBe(MODEL_IDS.length);
  });

  it('an unknown id is a ConfigError listing the known ones', () => {
    expect(() => modelEntry('vgg16')).toThrow(ConfigError);
    expect(() => modelEntry('vgg16')).toThrow(/unknown model 'vgg16' \(known: densenet121, resnet50, /);
  });

  for (const id of ['densenet121', 'resnet50'] as const) {
    it(`${id}: every cut point is a layer of the built network, and deeper cuts keep more parameters`, async () => {
      const base = await MODELS[id].build({ numClasses: 1000, inputSize: 32, channels: 3, seed: 0, weights: null, paths: {} });
      const kept = TRUNCATIONS.map((level) => {
        const cut = MODELS[id].cuts![level];
        expect(() => base.getLayer(cut)).not.toThrow();
        return countParams(tf.model({ inputs: base.inputs, outputs: base.getLayer(cut).output as tf.SymbolicTensor }));
      });
      expect([...kept].sort((a, b) => a - b)).toEqual(kept);
      base.dispose();
    });
  }

  it('a model used whole (cuts null) builds at its minimum input and refuses one pixel less', async () => {
    const id = 'cbr-tiny';
    expect(MODELS[id].cuts).toBeNull();
    expect(normalizeModelSpec({ id, truncation: 'F', head: 'gap-linear' })).toEqual({ id });
    const size = MODELS[id].minInputSize;
    const model = await buildModel({ id }, 'RI', { numClasses: 2, inputSize: size, seed: 0, weights: null });
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    model.dispose();
    await expect(buildModel({ id }, 'RI', { numClasses: 2, inputSize: size - 1, seed: 0, weights: null })).rejects.toThrow(/inputSize must be an integer >= 91/);
  });

  it('buildModel truncates with the registry head: seeded, named per model', async () => {
    const dense = await buildModel({ id: 'densenet121', truncation: 'T1' }, 'RI', { numClasses: 3, inputSize: 32, seed: 1, weights: null });
    expect(dense.getLayer('classifier').getWeights()[0]!.shape[1]).toBe(3);
    const res = await buildModel({ id: 'resnet50', truncation: 'T2', head: 'gap-linear' }, 'RI', { numClasses: 3, inputSize: 32, seed: 1, weights: null });
    expect(res.getLayer('fc').getWeights()[0]!.shape).toEqual([512, 3]);
    expect(res.layers.map((l) => l.name)).not.toContain('layer3.0.conv1');
    dense.dispose();
    res.dispose();
  });
});
