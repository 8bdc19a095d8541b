/**
 * PyTorch checkpoints written by torch.save (scripts/gen-torch-checkpoints.py, torch 1.13): both container
 * formats, plain / wrapped / legacy-key state dicts, a whole saved TorchXRayVision-style module, float16 and
 * strided views into shared storages. Our DenseNet121 / ResNet50 loaded from each file reproduce torch's
 * eval-mode logits; damaged, forbidden or mismatched files give a named WeightsError and leave the model as it was.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightsError } from '../../lib/errors';
import { densenet121, loadTorchvisionWeights, resnet50, sha256OfFile } from '../../lib/models';
import { toFloat32 } from '../../lib/models/weights/tensor-entry';
import { readTorchCheckpoint } from '../../lib/models/weights/torch/checkpoint';
import { goldenInput, relativeDeviation } from './golden-fill';
import { fixture, TORCH_GOLDEN, type ModelOutputs } from './torch-golden';

const TOL = 1e-4;
let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-torch-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function build(out: ModelOutputs, numClasses = out.numClasses): tf.LayersModel {
  const [, channels, size] = out.input;
  const make = out.architecture === 'densenet121' ? densenet121 : resnet50;
  return make({ numClasses, inputSize: size!, channels: channels as 1 | 3, seed: 1 });
}

/** Every weight's bytes, concatenated (compared as one buffer: element-wise toEqual on 8M floats takes a minute). */
const snapshot = (m: tf.LayersModel): Buffer =>
  Buffer.concat(m.getWeights().map((w) => {
    const d = w.dataSync();
    return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  }));
function expectUnchanged(m: tf.LayersModel, before: Buffer): void {
  expect(snapshot(m).equals(before)).toBe(true);
}

function expectWeightsError(fn: () => unknown, pattern: RegExp, file: string): void {
  try {
    fn();
    expect.unreachable('expected a WeightsError');
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsError);
    expect((e as Error).message).toMatch(pattern);
    expect((e as Error).message).toContain(file);
  }
}

const modelFiles = Object.entries(TORCH_GOLDEN.files).filter(([, c]) => c.outputs);

describe('torch.save files load into our models and reproduce torch', () => {
  it.each(modelFiles)('%s', (name, c) => {
    const ref = TORCH_GOLDEN.outputs[c.outputs!]!;
    const ckpt = readTorchCheckpoint(fixture(name));
    expect([ckpt.format, ckpt.stateDictAt, ckpt.moduleClass]).toEqual([c.format, c.stateDictAt, c.moduleClass ?? null]);
    const model = build(ref);
    const report = loadTorchvisionWeights(model, fixture(name));
    expect(report.keptHeadInit).toEqual([]);
    const x = goldenInput(ref.input);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual(ref.logits.shape);
    const dev = relativeDeviation(y.dataSync(), ref.logits.values);
    console.log(`${name}: largest relative deviation from torch ${dev.toExponential(2)}`);
    expect(dev).toBeLessThan(TOL);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('tensor decoding', () => {
  it.each(['tiny.zip.pth', 'tiny.legacy.pth'])('%s: every dtype, transposed / sliced / shared-storage views', (name) => {
    const expected = TORCH_GOLDEN.files[name]!.tensors!;
    const { tensors } = readTorchCheckpoint(fixture(name));
    expect([...tensors.keys()]).toEqual(Object.keys(expected));
    for (const [key, want] of Object.entries(expected)) {
      const t = tensors.get(key)!;
      expect(t.shape, key).toEqual(want.shape);
      const b = t.bytes;
      const values: Array<number | boolean> =
        want.dtype === 'int64' ? [...new BigInt64Array(b.buffer, b.byteOffset, b.byteLength / 8)].map(Number)
        : want.dtype === 'int32' ? [...new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4)]
        : want.dtype === 'uint8' ? [...b]
        : want.dtype === 'bool' ? [...b].map((v) => v === 1)
        : [...toFloat32(t)];
      expect(values, key).toEqual(want.values);
    }
  });

  it('checks the fixtures are the files the golden JSON describes', () => {
    for (const [name, c] of Object.entries(TORCH_GOLDEN.files)) expect(sha256OfFile(fixture(name)), name).toBe(c.file.sha256);
  });
});

describe('bad files leave the model unchanged', () => {
  const densenet = TORCH_GOLDEN.outputs.densenet121!;

  it('hash prefix in a torch.hub-style name: a match loads, a mismatch names the file and both hashes', () => {
    const src = fixture('densenet121.fp16.pth');
    const sha = sha256OfFile(src);
    const good = path.join(dir, `densenet121-${sha.slice(0, 8)}.pth`);
    const bad = path.join(dir, 'densenet121-a639ec97.pth');
    fs.copyFileSync(src, good);
    fs.copyFileSync(src, bad);
    const model = build(densenet);
    const before = snapshot(model);
    expectWeightsError(() => loadTorchvisionWeights(model, bad), new RegExp(`sha256 ${sha} does not start with a639ec97`), bad);
    expectUnchanged(model, before);
    expect(loadTorchvisionWeights(model, bad, { verifyHashPrefix: false }).loaded).toBeGreaterThan(0);
    expect(loadTorchvisionWeights(model, good).loaded).toBeGreaterThan(0);
    model.dispose();
  });

  it.each([
    ['densenet121.zip.pth', /no end-of-central-directory record; truncated/],
    ['densenet121.legacy.pth', /truncated/],
  ])('truncated %s', (name, pattern) => {
    const bytes = fs.readFileSync(fixture(name));
    const cut = path.join(dir, `cut-${name}`);
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const model = build(densenet);
    const before = snapshot(model);
    expectWeightsError(() => loadTorchvisionWeights(model, cut), pattern, cut);
    expectUnchanged(model, before);
    model.dispose();
  });

  it('a damaged storage record fails its CRC-32', () => {
    const bytes = Buffer.from(fs.readFileSync(fixture('resnet50.zip.pth')));
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    const damaged = path.join(dir, 'damaged.pth');
    fs.writeFileSync(damaged, bytes);
    expectWeightsError(() => readTorchCheckpoint(damaged), /fails its CRC-32/, damaged);
  });

  it('a pickle naming os.system is refused before anything is built', () => {
    const file = fixture('forbidden-global.pth');
    const model = build(densenet);
    const before = snapshot(model);
    const global = TORCH_GOLDEN.files['forbidden-global.pth']!.global!;
    expectWeightsError(() => loadTorchvisionWeights(model, file), new RegExp(`refuses the pickle global '${global.replace('.', '\\.')}'`), file);
    expectUnchanged(model, before);
    model.dispose();
  });

  it('a tensor of the wrong shape (1000-class head into a 10-class model) names key and both shapes', () => {
    const file = fixture('densenet121.legacy.pth');
    const model = build(densenet, 10);
    const before = snapshot(model);
    expectWeightsError(
      () => loadTorchvisionWeights(model, file),
      /shape mismatch for 'classifier\.weight': file has \[1000,1024\], model expects \[10,1024\]/,
      file,
    );
    expectUnchanged(model, before);
    const report = loadTorchvisionWeights(model, file, { allowHeadMismatch: true });
    expect(report.keptHeadInit.sort()).toEqual(['classifier.bias', 'classifier.weight']);
    model.dispose();
  });

  it('a file that is neither format says so', () => {
    const junk = path.join(dir, 'junk.pth');
    fs.writeFileSync(junk, 'not a checkpoint');
    expectWeightsError(() => readTorchCheckpoint(junk), /neither a torch\.save zip archive .* nor a legacy torch\.save file/, junk);
  });
});
