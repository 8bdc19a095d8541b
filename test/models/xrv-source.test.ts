/**
 * The 'cxr' TL source: TorchXRayVision's DenseNet121 (a whole saved module, 1 input channel, 18 outputs). The
 * fixture xrv-densenet121.pt (scripts/gen-torch-checkpoints.py, shaped like xrv's module) found through the
 * registry's source and built by the registry reproduces torch's logits on 8-bit images normalised by our 'xrv'
 * table; the table matches xrv's own formula (computed by hand, and by numpy in the golden); the published file
 * is fetched and checked like torchvision's, with its size and whole sha256 pinned instead of a name prefix.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizationTables, writeNormalized } from '../../lib/data/image/normalize';
import { WeightsError } from '../../lib/errors';
import { MODELS, pretrainedSource } from '../../lib/models/registry';
import { downloadWeights, type PublishedWeights } from '../../lib/models/weights/download';
import { sha256OfFile } from '../../lib/models/weights/sha256';
import type { WeightsInfo } from '../../lib/models/weights/sources';
import { XRV_DENSENET121_ALL, XRV_PATHOLOGIES, xrvCacheDir } from '../../lib/models/weights/xrv';
import { relativeDeviation } from './golden-fill';
import { fixture, TORCH_GOLDEN } from './torch-golden';

const XRV_FILE = fixture(TORCH_GOLDEN.xrvPixels.file);
const golden = TORCH_GOLDEN.xrvPixels;
const cxr = pretrainedSource('densenet121', 'cxr')!;

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-xrv-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Run `fn` with environment variables set (HOME moves os.homedir(), RETHINK_CACHE our cache). */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe("the 'xrv' normalisation", () => {
  const [table] = normalizationTables('xrv', 1);

  it('is (2·x/255 − 1)·1024 on every byte value: −1024 at black, 1024 at white', () => {
    expect(table![0]).toBe(-1024);
    expect(table![255]).toBe(1024);
    // x = 51, 102, 204: 2x/255 − 1 = −0.6, −0.2, 0.6 exactly.
    expect([table![51], table![102], table![204]]).toEqual([-614.4, -204.8, 614.4].map(Math.fround));
    for (let v = 0; v < 256; v++) expect(Math.abs(table![v]! - (2 * (v / 255) - 1) * 1024), `x = ${v}`).toBeLessThan(1e-4);
  });

  it("matches TorchXRayVision's numpy float32 arithmetic (xrv.datasets.normalize) within its rounding", () => {
    // numpy rounds x/255 to float32 before doubling: up to 2^-24 off before the ×1024, i.e. 1024·2^-24 after.
    const bound = 1024 * 2 ** -24 + 1024 * 2 ** -24;
    expect(golden.table).toHaveLength(256);
    for (let v = 0; v < 256; v++) expect(Math.abs(table![v]! - golden.table[v]!), `x = ${v}`).toBeLessThanOrEqual(bound);
  });

  it('gives one channel per pixel when the pipeline has one', () => {
    const out = new Float32Array(3);
    writeNormalized(Uint8Array.from([0, 128, 255]), out, 0, normalizationTables('xrv', 1));
    expect([...out]).toEqual([table![0], table![128], table![255]]);
  });
});

describe("the registry's 'cxr' source for DenseNet121", () => {
  it('states the facts a run records: xrv pixels, 1 channel, 18 pathologies, the pinned file, license and its pretraining data', () => {
    expect(cxr).toMatchObject({ id: 'torchxrayvision-densenet121-res224-all', preprocessing: 'xrv', channels: 1, classes: 18, inputSize: 224 });
    expect([...XRV_PATHOLOGIES]).toEqual(golden.pathologies);
    expect(cxr.license).toMatch(/Apache-2\.0.*CheXpert.*own terms/);
    expect(cxr.caveats.join(' ')).toMatch(/not the paper's ImageNet TL/);
    expect(cxr.origin).toContain(XRV_DENSENET121_ALL.url);
    expect(XRV_DENSENET121_ALL.url).toBe(
      'https://github.com/mlmed/torchxrayvision/releases/download/v1/nih-pc-chex-mimic_ch-google-openi-kaggle-densenet121-d121-tw-lr001-rot45-tr15-sc15-seed0-best.pt',
    );
    expect(pretrainedSource('resnet50', 'cxr')).toBeNull();
  });

  it('loads the xrv-shaped saved module and reproduces torch on 8-bit images normalised by the pipeline', async () => {
    const found = await cxr.locate({ densenet121: XRV_FILE });
    expect('missing' in found).toBe(false);
    const weights = found as WeightsInfo;
    expect(weights).toMatchObject({ source: cxr.id, sha256: sha256OfFile(XRV_FILE), file: XRV_FILE });
    // Not the published file: every run that starts from it says so.
    expect(weights.caveats.at(-1)).toMatch(new RegExp(`^sha256 ${weights.sha256} is not the published file's \\(${XRV_DENSENET121_ALL.sha256}\\)`));

    const [n, , size] = golden.shape as [number, number, number, number];
    const x = new Float32Array(golden.pixels.length);
    const tables = normalizationTables(cxr.preprocessing, cxr.channels);
    for (let i = 0; i < n; i++) writeNormalized(Uint8Array.from(golden.pixels.slice(i * size * size, (i + 1) * size * size)), x, i * size * size, tables);
    const model = await MODELS.densenet121.build({ numClasses: 2, inputSize: size, channels: 1, seed: 0, weights, paths: {} });
    const input = tf.tensor4d(x, [n, size, size, 1]);
    const y = model.predict(input) as tf.Tensor;
    expect(y.shape).toEqual([n, 18]);
    const dev = relativeDeviation(y.dataSync(), golden.logits.values);
    console.log(`xrv-densenet121.pt on xrv-normalised pixels: largest relative deviation from torch ${dev.toExponential(2)}`);
    expect(dev).toBeLessThan(1e-4);
    tf.dispose([input, y]);
    model.dispose();
  });

  it('refuses an ImageNet checkpoint given as the cxr source (3-channel stem, 1000 classes)', async () => {
    const found = (await cxr.locate({ densenet121: fixture('densenet121.zip.pth') })) as WeightsInfo;
    await expect(MODELS.densenet121.build({ numClasses: 2, inputSize: 32, channels: 1, seed: 0, weights: found, paths: {} })).rejects.toThrow(
      /shape mismatch for 'features\.conv0\.weight': file has \[64,3,7,7\], model expects \[64,1,7,7\]/,
    );
  });

  it('without the file: unavailable, naming the file, where it was looked for and the two ways to provide it', async () => {
    await withEnv({ HOME: path.join(dir, 'home-empty'), RETHINK_CACHE: path.join(dir, 'cache-empty') }, async () => {
      const found = await cxr.locate({});
      expect('missing' in found && found.missing).toBe(
        `unavailable: weights missing (TorchXRayVision densenet121-res224-all weights ${XRV_DENSENET121_ALL.file} not found at ` +
          `${path.join(dir, 'cache-empty', 'weights', 'hub', 'checkpoints', XRV_DENSENET121_ALL.file)}; ` +
          `run 'rethink-tl weights densenet121 --source cxr' or pass --weights densenet121=<${XRV_DENSENET121_ALL.file}>)`,
      );
    });
  });

  it("finds the file in TorchXRayVision's own cache (~/.torchxrayvision/models_data)", async () => {
    const home = path.join(dir, 'home-xrv');
    await withEnv({ HOME: home, RETHINK_CACHE: path.join(dir, 'cache-empty') }, async () => {
      expect(xrvCacheDir()).toBe(path.join(home, '.torchxrayvision', 'models_data'));
      fs.mkdirSync(xrvCacheDir(), { recursive: true });
      fs.copyFileSync(XRV_FILE, path.join(xrvCacheDir(), XRV_DENSENET121_ALL.file));
      const found = (await cxr.locate({})) as WeightsInfo;
      expect(found.file).toBe(path.join(xrvCacheDir(), XRV_DENSENET121_ALL.file));
    });
  });
});

describe('fetching the published file (injected fetch: tests never touch the network)', () => {
  const bytes = fs.readFileSync(XRV_FILE);
  const served = (body: Uint8Array) => (async () => new Response(body, { headers: { 'content-length': String(body.length) } })) as unknown as typeof fetch;
  /** The published entry with the fixture's size and sha256 pinned in place of the real file's. */
  const pinnedToFixture = (): PublishedWeights => ({ ...XRV_DENSENET121_ALL, bytes: bytes.length, sha256: sha256OfFile(XRV_FILE) });
  const isolated = { useLibraryCache: false, log: () => {} } as const;

  it('verifies the pinned size and sha256 and the fit to a 1-channel, 18-class DenseNet121, then caches it', async () => {
    const cacheDir = path.join(dir, 'fetch-ok');
    const got = await downloadWeights(pinnedToFixture(), { cacheDir, fetch: served(bytes), ...isolated });
    expect(got.path).toBe(path.join(cacheDir, 'hub', 'checkpoints', XRV_DENSENET121_ALL.file));
    expect(got.sha256).toBe(sha256OfFile(XRV_FILE));
  });

  it('refuses a download of the wrong size or sha256, caching nothing', async () => {
    const cacheDir = path.join(dir, 'fetch-bad');
    const folder = path.join(cacheDir, 'hub', 'checkpoints');
    await expect(downloadWeights(XRV_DENSENET121_ALL, { cacheDir, fetch: served(bytes), ...isolated })).rejects.toThrow(
      new RegExp(`${bytes.length} bytes, but the published ${XRV_DENSENET121_ALL.file.replace(/\./g, '\\.')} has 28382008: an incomplete download or another file`),
    );
    expect(fs.readdirSync(folder)).toEqual([]);
    const otherSha = { ...pinnedToFixture(), sha256: XRV_DENSENET121_ALL.sha256 };
    const err = await downloadWeights(otherSha, { cacheDir, fetch: served(bytes), ...isolated }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as Error).message).toMatch(/does not start with 56524913dd16.*the pinned sha256/);
    expect(fs.readdirSync(folder)).toEqual([]);
  });

  it("offline: names the URL, the file name, our folder and TorchXRayVision's", async () => {
    const offline = (async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } });
    }) as unknown as typeof fetch;
    const cacheDir = path.join(dir, 'offline');
    const message = await downloadWeights(XRV_DENSENET121_ALL, { cacheDir, fetch: offline, ...isolated }).catch((e: Error) => e.message);
    expect(message).toContain(XRV_DENSENET121_ALL.url);
    expect(message).toContain(`named ${XRV_DENSENET121_ALL.file}, in ${path.join(cacheDir, 'hub', 'checkpoints')}`);
    expect(message).toContain(`or in TorchXRayVision's own cache ${xrvCacheDir()}`);
    expect(message).toContain('--weights densenet121=');
  });
});
