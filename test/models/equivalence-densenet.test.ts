/**
 * DenseNet121 computes what torchvision computes: same weights (torchvision's state dict layout, written to a
 * safetensors file and loaded through the real loader) -> same logits and T1/T2/T3/F feature maps.
 * Reference: test/fixtures/models-golden.json from scripts/gen-model-golden.py (torchvision densenet121).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { densenet121, DENSENET_CUTS, loadTorchvisionWeights, torchStateDictSpec, truncateDenseNet } from '../../lib/models';
import { compareSummary, deviations, GOLDEN, goldenInput, relativeDeviation, writeGoldenWeights } from './golden-fill';

const TOL = 1e-4;
const golden = GOLDEN.densenet121;
let dir: string;
let model: tf.LayersModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-densenet-'));
  model = densenet121({ numClasses: 1000, inputSize: golden.input[2]! });
  writeGoldenWeights(model, path.join(dir, 'densenet121.safetensors'));
  loadTorchvisionWeights(model, path.join(dir, 'densenet121.safetensors'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('largest relative deviation vs torchvision (densenet121):', JSON.stringify(deviations));
});

describe('densenet121 vs torchvision', () => {
  it('has exactly torchvision state-dict keys and shapes (parameters + BN buffers, in order)', () => {
    const ours = torchStateDictSpec(model).map((s) => [s.key, s.torchShape]);
    expect(ours).toEqual(golden.stateDict);
  });

  it('full model logits match within 1e-4 relative (eval mode)', () => {
    const x = goldenInput(golden.input);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual(golden.logits.shape);
    const dev = relativeDeviation(y.dataSync(), golden.logits.values);
    deviations.logits = dev;
    expect(dev).toBeLessThan(TOL);
    tf.dispose([x, y]);
  });

  it('T1/T2/T3/F feature maps match (the truncation cut points)', () => {
    const names = { transition1: DENSENET_CUTS.T1, transition2: DENSENET_CUTS.T2, transition3: DENSENET_CUTS.T3, norm5: DENSENET_CUTS.F };
    const probe = tf.model({
      inputs: model.inputs,
      outputs: Object.values(names).map((n) => model.getLayer(n).output as tf.SymbolicTensor),
    });
    const x = goldenInput(golden.input);
    const outs = probe.predict(x) as tf.Tensor[];
    Object.keys(names).forEach((torchName, i) => {
      const ref = golden.features[torchName]!;
      const [n, c, h, w] = ref.shape;
      expect(outs[i]!.shape).toEqual([n, h, w, c]);
      const { deviation, sumRel } = compareSummary(outs[i]!, ref);
      deviations[torchName] = deviation;
      expect(deviation).toBeLessThan(TOL);
      expect(sumRel).toBeLessThan(TOL);
    });
    tf.dispose([x, ...outs]);
  });

  it("T1 with the paper's flatten -> linear head matches torch (flatten order is torch's C,H,W)", () => {
    const t1 = truncateDenseNet(model, 'T1', { head: 'flatten-linear', numClasses: 3 });
    const file = path.join(dir, 't1.safetensors');
    // Backbone weights are shared with `model`; give the new head the golden values through the loader too.
    writeGoldenWeights(t1, file);
    const report = loadTorchvisionWeights(t1, file);
    expect(report.loaded).toBe(torchStateDictSpec(t1).length);
    expect(torchStateDictSpec(t1).slice(-2).map((s) => [s.key, s.torchShape])).toEqual(golden.t1FlattenLinear.stateDict);
    const x = goldenInput(golden.input);
    const y = t1.predict(x) as tf.Tensor;
    const dev = relativeDeviation(y.dataSync(), golden.t1FlattenLinear.logits.values);
    deviations.t1FlattenLinear = dev;
    expect(dev).toBeLessThan(TOL);
    tf.dispose([x, y]);
  });
});
