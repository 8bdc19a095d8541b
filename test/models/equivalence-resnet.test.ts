/**
 * ResNet50 (torchvision v1.5 layout) computes what torchvision computes, given the same weights loaded through
 * the real safetensors loader. Reference: test/fixtures/models-golden.json (scripts/gen-model-golden.py).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTorchvisionWeights, resnet50, RESNET50_CUTS, torchStateDictSpec } from '../../lib/models';
import { compareSummary, deviations, GOLDEN, goldenInput, relativeDeviation, writeGoldenWeights } from './golden-fill';

const TOL = 1e-4;
const golden = GOLDEN.resnet50;
let dir: string;
let model: tf.LayersModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-resnet-'));
  model = resnet50({ numClasses: 1000, inputSize: golden.input[2]! });
  writeGoldenWeights(model, path.join(dir, 'resnet50.safetensors'));
  loadTorchvisionWeights(model, path.join(dir, 'resnet50.safetensors'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('largest relative deviation vs torchvision (resnet50):', JSON.stringify(deviations));
});

describe('resnet50 vs torchvision', () => {
  it('has exactly torchvision state-dict keys and shapes', () => {
    // tfjs orders layers topologically (a block's downsample may come before its conv1), torch by registration.
    const byKey = (a: [string, number[]], b: [string, number[]]) => a[0].localeCompare(b[0]);
    const ours = torchStateDictSpec(model).map((s): [string, number[]] => [s.key, s.torchShape]).sort(byKey);
    expect(ours).toEqual([...golden.stateDict].sort(byKey));
  });

  it('logits and layer1..layer4 outputs match within 1e-4 relative (eval mode)', () => {
    const stages = { layer1: RESNET50_CUTS.T1, layer2: RESNET50_CUTS.T2, layer3: RESNET50_CUTS.T3, layer4: RESNET50_CUTS.F };
    const probe = tf.model({
      inputs: model.inputs,
      outputs: [...Object.values(stages).map((n) => model.getLayer(n).output as tf.SymbolicTensor), model.outputs[0]!],
    });
    const x = goldenInput(golden.input);
    const outs = probe.predict(x) as tf.Tensor[];
    Object.keys(stages).forEach((name, i) => {
      const { deviation, sumRel } = compareSummary(outs[i]!, golden.features[name]!);
      deviations[name] = deviation;
      expect(deviation).toBeLessThan(TOL);
      expect(sumRel).toBeLessThan(TOL);
    });
    const logits = outs[outs.length - 1]!;
    expect(logits.shape).toEqual(golden.logits.shape);
    deviations.logits = relativeDeviation(logits.dataSync(), golden.logits.values);
    expect(deviations.logits).toBeLessThan(TOL);
    tf.dispose([x, ...outs]);
  });
});
