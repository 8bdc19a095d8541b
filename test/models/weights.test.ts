/** safetensors reading/writing and the torchvision loader's key mapping and error reporting. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightsError } from '../../lib/errors';
import {
  cbr,
  densenet121,
  loadTorchvisionWeights,
  parseSafetensors,
  readSafetensors,
  toFloat32,
  torchStateDictSpec,
  writeSafetensors,
  type WritableTensor,
} from '../../lib/models';
import { fillValues } from './golden-fill';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-weights-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A safetensors file in memory with entries of any dtype, assembled by hand (independent of our writer). */
function rawSafetensors(entries: Array<{ key: string; dtype: string; shape: number[]; bytes: number[] }>): Buffer {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const e of entries) {
    header[e.key] = { dtype: e.dtype, shape: e.shape, data_offsets: [off, off + e.bytes.length] };
    off += e.bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.from(entries.flatMap((e) => e.bytes))]);
}
const u16le = (...v: number[]) => v.flatMap((x) => [x & 0xff, x >> 8]);

/** Golden-formula state dict of `model` as writable tensors, keyed as torch would. */
function stateDict(model: tf.LayersModel): Map<string, WritableTensor> {
  const m = new Map<string, WritableTensor>();
  for (const s of torchStateDictSpec(model)) m.set(s.key, { shape: s.torchShape, data: fillValues(s.key, s.torchShape, s.kind) });
  return m;
}

describe('safetensors', () => {
  it('round-trips F32 and I64 through writeSafetensors / readSafetensors with 8-byte aligned data', () => {
    const file = path.join(dir, 'rt.safetensors');
    const a = new Float32Array([1.5, -2.25, 3e-8, 42]);
    writeSafetensors(file, { a: { shape: [2, 2], data: a }, n: { dtype: 'I64', shape: [], data: new BigInt64Array([7n]) } }, { note: 'x' });
    const buf = fs.readFileSync(file);
    expect((8 + Number(buf.readBigUInt64LE(0))) % 8).toBe(0);
    const f = readSafetensors(file);
    expect(f.metadata).toEqual({ note: 'x' });
    expect(f.tensors.get('a')!.shape).toEqual([2, 2]);
    expect(toFloat32(f.tensors.get('a')!)).toEqual(a);
    expect(f.tensors.get('n')!.dtype).toBe('I64');
    expect(() => toFloat32(f.tensors.get('n')!, 'n', file)).toThrow(/'n' is I64/);
  });

  it('converts F16 (incl. subnormal and max) and BF16 to float32', () => {
    const buf = rawSafetensors([
      { key: 'h', dtype: 'F16', shape: [5], bytes: u16le(0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001) },
      { key: 'b', dtype: 'BF16', shape: [3], bytes: u16le(0x3f80, 0xc000, 0x4049) },
    ]);
    const f = parseSafetensors(buf);
    expect([...toFloat32(f.tensors.get('h')!)]).toEqual([1, -2, 0.5, 65504, Math.fround(2 ** -24)]);
    expect([...toFloat32(f.tensors.get('b')!)]).toEqual([1, -2, 3.140625]);
  });

  it('rejects corrupt files with the file and key named', () => {
    const bad = rawSafetensors([{ key: 'w', dtype: 'F32', shape: [3], bytes: [0, 0, 0, 0, 0, 0, 0, 0] }]);
    expect(() => parseSafetensors(bad, 'x.safetensors')).toThrow(/x\.safetensors: tensor 'w' .*needs 12 bytes/);
    const truncatedHeader = Buffer.alloc(16);
    truncatedHeader.writeBigUInt64LE(1000n);
    expect(() => parseSafetensors(truncatedHeader, 'y.safetensors')).toThrow(WeightsError);
    expect(() => readSafetensors(path.join(dir, 'missing.safetensors'))).toThrow(/missing\.safetensors/);
  });
});

describe('loadTorchvisionWeights', () => {
  it('maps OIHW -> HWIO, [out,in] -> [in,out] and BN buffers, value by value', () => {
    const model = cbr('small', { numClasses: 2 });
    const file = path.join(dir, 'small.safetensors');
    const sd = stateDict(model);
    writeSafetensors(file, sd);
    const report = loadTorchvisionWeights(model, file);
    expect(report.loaded).toBe(sd.size);
    const torchConv = sd.get('CBR2.conv.weight')!.data as Float32Array; // [64, 32, 7, 7]
    const kernel = model.getLayer('CBR2.conv').getWeights()[0]!; // [7, 7, 32, 64]
    const k = kernel.arraySync() as number[][][][];
    expect(k[2]![5]![31]![17]).toBe(torchConv[((17 * 32 + 31) * 7 + 2) * 7 + 5]);
    const fc = model.getLayer('fc').getWeights()[0]!.arraySync() as number[][]; // [256, 2]
    expect(fc[200]![1]).toBe((sd.get('fc.weight')!.data as Float32Array)[1 * 256 + 200]);
    const [, , mean, variance] = model.getLayer('CBR4.bn').getWeights();
    expect(mean!.dataSync()).toEqual(sd.get('CBR4.bn.running_mean')!.data);
    expect(variance!.dataSync()).toEqual(sd.get('CBR4.bn.running_var')!.data);
    model.dispose();
  });

  it('names a missing key, an unexpected key and a shape mismatch (with both shapes)', () => {
    const model = cbr('small', { numClasses: 2 });
    const file = path.join(dir, 'bad.safetensors');
    const sd = stateDict(model);
    sd.delete('CBR3.bn.running_var');
    writeSafetensors(file, sd);
    expect(() => loadTorchvisionWeights(model, file)).toThrow(/missing key 'CBR3\.bn\.running_var' \(model expects \[128\]\)/);

    const sd2 = stateDict(model);
    sd2.set('CBR9.conv.weight', { shape: [1], data: new Float32Array([0]) });
    writeSafetensors(file, sd2);
    expect(() => loadTorchvisionWeights(model, file)).toThrow(/unexpected key 'CBR9\.conv\.weight'/);

    const sd3 = stateDict(model);
    sd3.set('CBR1.conv.weight', { shape: [32, 3, 5, 5], data: new Float32Array(32 * 3 * 25) });
    writeSafetensors(file, sd3);
    try {
      loadTorchvisionWeights(model, file);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WeightsError);
      expect((e as Error).message).toMatch(/shape mismatch for 'CBR1\.conv\.weight': file has \[32,3,5,5\], model expects \[32,3,7,7\]/);
      expect((e as WeightsError).details.key).toBe('CBR1.conv.weight');
      expect((e as WeightsError).details.file).toBe(file);
    }
    model.dispose();
  });

  it('allowHeadMismatch keeps a replaced head at its init and loads everything else', () => {
    const imagenet = cbr('small', { numClasses: 1000 });
    const file = path.join(dir, 'imagenet-small.safetensors');
    writeSafetensors(file, stateDict(imagenet));
    imagenet.dispose();
    const model = cbr('small', { numClasses: 2, seed: 3 });
    const headBefore = model.getLayer('fc').getWeights()[0]!.dataSync().slice();
    expect(() => loadTorchvisionWeights(model, file)).toThrow(/shape mismatch for 'fc\.weight'/);
    const report = loadTorchvisionWeights(model, file, { allowHeadMismatch: true });
    expect(report.keptHeadInit.sort()).toEqual(['fc.bias', 'fc.weight']);
    expect(model.getLayer('fc').getWeights()[0]!.dataSync()).toEqual(headBefore);
    const conv = model.getLayer('CBR1.conv').getWeights()[1]!.dataSync();
    expect(conv).toEqual(fillValues('CBR1.conv.bias', [32], 'bias'));
    model.dispose();
  });

  it("renames torchvision's legacy DenseNet keys, strips 'module.', skips num_batches_tracked", () => {
    const model = densenet121({ numClasses: 10, inputSize: 32 });
    const legacy = new Map<string, WritableTensor>();
    for (const [key, t] of stateDict(model)) {
      const old = key.replace(/(denselayer\d+\.(?:norm|conv))([12])\./, '$1.$2.');
      legacy.set(`module.${old}`, t);
      if (key.endsWith('running_var')) {
        legacy.set(`module.${old.replace('running_var', 'num_batches_tracked')}`, { dtype: 'I64', shape: [], data: new BigInt64Array([5n]) });
      }
    }
    expect([...legacy.keys()]).toContain('module.features.denseblock2.denselayer3.norm.1.weight');
    const file = path.join(dir, 'legacy.safetensors');
    writeSafetensors(file, legacy);
    loadTorchvisionWeights(model, file);
    const gamma = model.getLayer('features.denseblock2.denselayer3.norm1').getWeights()[0]!;
    expect(gamma.dataSync()).toEqual(fillValues('features.denseblock2.denselayer3.norm1.weight', [gamma.size], 'bn-weight'));
    model.dispose();
  });

  it("stemFromRgb: 'sum' loads RGB weights into a 1-channel stem (grey x == RGB (x,x,x))", () => {
    const rgb = cbr('tiny', { numClasses: 2, inputSize: 91 });
    const file = path.join(dir, 'rgb.safetensors');
    writeSafetensors(file, stateDict(rgb));
    loadTorchvisionWeights(rgb, file);
    const grey = cbr('tiny', { numClasses: 2, inputSize: 91, channels: 1 });
    expect(() => loadTorchvisionWeights(grey, file)).toThrow(/stemFromRgb: 'sum'/);
    loadTorchvisionWeights(grey, file, { stemFromRgb: 'sum' });
    const x = tf.randomUniform([1, 91, 91, 1], 0, 1, 'float32', 5);
    const yGrey = grey.predict(x) as tf.Tensor;
    const yRgb = rgb.predict(tf.concat([x, x, x], -1)) as tf.Tensor;
    const diff = tf.max(tf.abs(tf.sub(yGrey, yRgb))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-4 * Math.max(...tf.abs(yRgb).dataSync()));
    [rgb, grey].forEach((m) => m.dispose());
  });

  it('allowUnusedKeys loads full weights into a truncated model; tensors do not leak across loads', () => {
    const full = cbr('small', { numClasses: 2 });
    const file = path.join(dir, 'full.safetensors');
    writeSafetensors(file, stateDict(full));
    const backbone = tf.model({ inputs: full.inputs, outputs: full.getLayer('pool2').output as tf.SymbolicTensor });
    expect(() => loadTorchvisionWeights(backbone, file)).toThrow(/unexpected key 'CBR3\.conv\.weight'/);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const report = loadTorchvisionWeights(backbone, file, { allowUnusedKeys: true });
      expect(report.unused).toContain('fc.weight');
    }
    expect(tf.memory().numTensors).toBe(before);
    full.dispose();
  });
});
