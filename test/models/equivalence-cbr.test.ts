/**
 * The CBR family computes what the authors' torch code (sun-umn/TTL utils/CBR.py, re-implemented with the same
 * module names in scripts/gen-model-golden.py) computes, plus one BatchNorm layer in training mode.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cbr, loadTorchvisionWeights, torchStateDictSpec, type CbrVariant } from '../../lib/models';
import { compareSummary, deviations, GOLDEN, goldenInput, relativeDeviation, writeGoldenWeights } from './golden-fill';

const TOL = 1e-4;
let dir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-cbr-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('largest relative deviation vs torch (CBR):', JSON.stringify(deviations));
});

describe('CBR family vs the authors torch code', () => {
  for (const variant of ['large-t', 'large-w', 'small', 'tiny'] as CbrVariant[]) {
    it(`${variant}: keys, pre-pool features and logits match (eval mode)`, () => {
      const golden = GOLDEN.cbr[variant]!;
      const model = cbr(variant, { numClasses: 3, inputSize: golden.input[2]! });
      expect(torchStateDictSpec(model).map((s) => [s.key, s.torchShape])).toEqual(golden.stateDict);
      const file = path.join(dir, `${variant}.safetensors`);
      writeGoldenWeights(model, file);
      loadTorchvisionWeights(model, file);
      const probe = tf.model({ inputs: model.inputs, outputs: [model.getLayer('gap').input as tf.SymbolicTensor, model.outputs[0]!] });
      const x = goldenInput(golden.input);
      const [features, logits] = probe.predict(x) as tf.Tensor[];
      const f = compareSummary(features!, golden.features);
      expect(f.deviation).toBeLessThan(TOL);
      expect(f.sumRel).toBeLessThan(TOL);
      const dev = relativeDeviation(logits!.dataSync(), golden.logits.values);
      deviations[variant] = Math.max(dev, f.deviation);
      expect(dev).toBeLessThan(TOL);
      tf.dispose([x, features!, logits!]);
      model.dispose();
    });
  }

  it('BatchNorm in training mode normalises with batch statistics and updates running stats like torch', () => {
    const golden = GOLDEN.bnTraining;
    const model = cbr('tiny', { numClasses: 3, inputSize: golden.input[2]! });
    const file = path.join(dir, 'bn.safetensors');
    writeGoldenWeights(model, file);
    loadTorchvisionWeights(model, file);
    const bnLayer = model.getLayer('CBR1.bn');
    const sub = tf.model({ inputs: model.inputs, outputs: bnLayer.output as tf.SymbolicTensor });
    const x = goldenInput(golden.input);
    const y = sub.apply(x, { training: true }) as tf.Tensor;
    const out = compareSummary(y, golden.bnOutput);
    deviations.bnTrainingOutput = out.deviation;
    expect(out.deviation).toBeLessThan(TOL);

    const [, , movingMean, movingVar] = bnLayer.getWeights();
    deviations.bnRunningMean = relativeDeviation(movingMean!.dataSync(), golden.runningMean);
    expect(deviations.bnRunningMean).toBeLessThan(TOL);
    // Known, documented difference: tfjs updates the moving variance with the biased batch variance, torch with
    // the unbiased one (factor n/(n-1), n = N*H*W). Ours must equal torch's formula with the biased variance...
    deviations.bnRunningVar = relativeDeviation(movingVar!.dataSync(), golden.runningVarBiasedUpdate);
    expect(deviations.bnRunningVar).toBeLessThan(TOL);
    // ...which is within 0.1 * 1/(n-1) of torch's (n = 2*92*92 here).
    const torchDev = relativeDeviation(movingVar!.dataSync(), golden.runningVarTorch);
    expect(torchDev).toBeLessThan(0.1 / (golden.reductionSize - 1) * 2);
    tf.dispose([x, y]);
    model.dispose();
  });
});
