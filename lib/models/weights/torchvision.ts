/**
 * Load torchvision / timm / TorchXRayVision weights into the models built here (and any tfjs model whose
 * parameter layers are named after torch modules, see ../naming.ts), from a PyTorch checkpoint (.pth, .pt, .bin,
 * .ckpt: a state dict, a wrapped one, or a whole saved module; see ./torch/checkpoint.ts) or a .safetensors file.
 *
 * Conversions: conv OIHW -> HWIO, linear [out, in] -> [in, out], BN weight/bias/running_mean/running_var ->
 * gamma/beta/moving_mean/moving_variance; `num_batches_tracked` skipped; torchvision's legacy DenseNet keys
 * (`norm.1`) renamed as torchvision does; a DataParallel `module.` prefix is stripped when every key has it.
 * A file named like torch.hub's downloads (`densenet121-a639ec97.pth`) must match the sha256 prefix in its name.
 */
import * as tf from '@tensorflow/tfjs';
import { WeightsError } from '../../errors';
import { normaliseTorchKey, type TorchParamKind } from '../naming';
import { readWeightsFile } from './read-file';
import { parseSafetensors } from './safetensors';
import { verifyHashPrefix } from './sha256';
import { toFloat32, type TensorEntry } from './tensor-entry';
import { parseTorchCheckpoint } from './torch/checkpoint';

export interface TorchParamSpec {
  /** State-dict key, e.g. `features.denseblock1.denselayer1.conv1.weight`. */
  key: string;
  /** Shape in torch layout. */
  torchShape: number[];
  kind: TorchParamKind;
  layer: string;
  /** Index into `layer.weights`. */
  index: number;
}

const BN_PARAMS: Array<[string, TorchParamKind]> = [
  ['weight', 'bn-weight'],
  ['bias', 'bn-bias'],
  ['running_mean', 'bn-mean'],
  ['running_var', 'bn-var'],
];

/** The torch state dict a model corresponds to (keys, torch shapes), in layer order. */
export function torchStateDictSpec(model: tf.LayersModel): TorchParamSpec[] {
  const specs: TorchParamSpec[] = [];
  for (const layer of model.layers) {
    const weights = layer.weights;
    if (weights.length === 0) continue;
    const cls = layer.getClassName();
    const shapes = weights.map((w) => w.shape as number[]);
    if (cls === 'Conv2D' || cls === 'Dense') {
      const kernel = shapes[0]!;
      const torchShape =
        cls === 'Conv2D' ? [kernel[3]!, kernel[2]!, kernel[0]!, kernel[1]!] : [kernel[1]!, kernel[0]!];
      specs.push({ key: `${layer.name}.weight`, torchShape, kind: cls === 'Conv2D' ? 'conv-weight' : 'linear-weight', layer: layer.name, index: 0 });
      if (shapes.length > 1) specs.push({ key: `${layer.name}.bias`, torchShape: shapes[1]!, kind: 'bias', layer: layer.name, index: 1 });
    } else if (cls === 'BatchNormalization') {
      const cfg = layer.getConfig() as { center?: boolean; scale?: boolean };
      if (cfg.center === false || cfg.scale === false) {
        throw new WeightsError(`layer '${layer.name}': BatchNormalization without scale/center has no torch equivalent`, {
          key: layer.name,
        });
      }
      BN_PARAMS.forEach(([param, kind], index) =>
        specs.push({ key: `${layer.name}.${param}`, torchShape: shapes[index]!, kind, layer: layer.name, index }),
      );
    } else {
      throw new WeightsError(`layer '${layer.name}' (${cls}) has weights but no torch mapping`, { key: layer.name });
    }
  }
  return specs;
}

export interface LoadTorchOptions {
  /**
   * Tolerate a replaced classifier: keys of the model's Dense layers (and a file's `classifier.*` / `fc.*`)
   * may be missing, unexpected or of another shape; those layers keep their initialisation.
   */
  allowHeadMismatch?: boolean;
  /** Ignore file keys the model has no layer for (e.g. full ImageNet weights into a truncated model). */
  allowUnusedKeys?: boolean;
  /**
   * 'sum': the model's first conv takes 1 channel and the file's takes RGB: use the sum over RGB (a grey image
   * x gives the same response as the RGB image (x, x, x)).
   */
  stemFromRgb?: 'sum';
  /** Check the sha256 prefix a torch.hub-style file name carries (default true). */
  verifyHashPrefix?: boolean;
}

export interface LoadReport {
  file: string;
  loaded: number;
  /** Head keys left at their initialisation because of `allowHeadMismatch`. */
  keptHeadInit: string[];
  /** File keys not used (head keys under allowHeadMismatch, others under allowUnusedKeys). */
  unused: string[];
}

function convOihwToHwio(src: Float32Array, [o, i, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(src.length);
  for (let a = 0; a < o!; a++)
    for (let b = 0; b < i!; b++)
      for (let h = 0; h < kh!; h++)
        for (let w = 0; w < kw!; w++) out[((h * kw! + w) * i! + b) * o! + a] = src[((a * i! + b) * kh! + h) * kw! + w]!;
  return out;
}

function linearToInOut(src: Float32Array, [out, inp]: number[]): Float32Array {
  const res = new Float32Array(src.length);
  for (let r = 0; r < out!; r++) for (let c = 0; c < inp!; c++) res[c * out! + r] = src[r * inp! + c]!;
  return res;
}

function sumOverInputChannels(src: Float32Array, [o, i, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(o! * kh! * kw!);
  for (let a = 0; a < o!; a++)
    for (let b = 0; b < i!; b++)
      for (let k = 0; k < kh! * kw!; k++) out[a * kh! * kw! + k]! += src[(a * i! + b) * kh! * kw! + k]!;
  return out;
}

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const fmt = (s: number[]) => `[${s.join(',')}]`;
const moduleOf = (key: string) => key.slice(0, key.lastIndexOf('.'));

/**
 * The state dict of a weights file: safetensors when named *.safetensors, a PyTorch checkpoint otherwise.
 * Keys as stored (no renaming).
 */
export function readStateDict(file: string, opts: { verifyHashPrefix?: boolean } = {}): Map<string, TensorEntry> {
  const bytes = readWeightsFile(file);
  if (opts.verifyHashPrefix !== false) verifyHashPrefix(file, bytes);
  return file.endsWith('.safetensors') ? parseSafetensors(bytes, file).tensors : parseTorchCheckpoint(bytes, file).tensors;
}

interface FileTensor {
  original: string;
  entry: TensorEntry;
}

/** File tensors by the model's key: `module.` stripped (when every key has it), legacy keys renamed, counters dropped. */
function byModelKey(tensors: Map<string, TensorEntry>): Map<string, FileTensor> {
  const rawKeys = [...tensors.keys()];
  const stripModule = rawKeys.length > 0 && rawKeys.every((k) => k.startsWith('module.'));
  const out = new Map<string, FileTensor>();
  for (const [k, entry] of tensors) {
    const key = normaliseTorchKey(stripModule ? k.slice('module.'.length) : k);
    if (!key.endsWith('.num_batches_tracked')) out.set(key, { original: k, entry });
  }
  return out;
}

interface LoadPlan {
  /** Spec key -> values in tfjs layout. */
  values: Map<string, Float32Array>;
  /** Head layers left at their initialisation. */
  skipLayers: Set<string>;
  problems: Array<{ key: string; message: string }>;
}

/** Match every parameter the model has against the file, converting layouts; collects every problem. */
function planLoad(
  model: tf.LayersModel,
  specs: TorchParamSpec[],
  byKey: Map<string, FileTensor>,
  opts: LoadTorchOptions,
  report: LoadReport,
): LoadPlan {
  const headModules = new Set(['classifier', 'fc']);
  for (const layer of model.layers) if (layer.getClassName() === 'Dense') headModules.add(layer.name);
  const isHead = (key: string) => headModules.has(moduleOf(key));
  const stemLayer = model.layers.find((l) => l.getClassName() === 'Conv2D')?.name;
  const plan: LoadPlan = { values: new Map(), skipLayers: new Set(), problems: [] };
  const problem = (key: string, message: string) => plan.problems.push({ key, message });

  for (const spec of specs) {
    const found = byKey.get(spec.key);
    const headTolerated = opts.allowHeadMismatch && isHead(spec.key);
    if (!found) {
      if (headTolerated) {
        report.keptHeadInit.push(spec.key);
        plan.skipLayers.add(spec.layer);
      } else problem(spec.key, `missing key '${spec.key}' (model expects ${fmt(spec.torchShape)})`);
      continue;
    }
    let { shape } = found.entry;
    let data: Float32Array;
    try {
      data = toFloat32(found.entry, found.original, report.file);
    } catch (e) {
      problem(spec.key, (e as Error).message);
      continue;
    }
    if (
      opts.stemFromRgb === 'sum' && spec.layer === stemLayer && spec.kind === 'conv-weight' &&
      spec.torchShape[1] === 1 && shape.length === 4 && shape[1] === 3
    ) {
      data = sumOverInputChannels(data, shape);
      shape = [shape[0]!, 1, shape[2]!, shape[3]!];
    }
    if (!sameShape(shape, spec.torchShape)) {
      if (headTolerated) {
        report.keptHeadInit.push(spec.key);
        report.unused.push(found.original);
        plan.skipLayers.add(spec.layer);
        continue;
      }
      const hint = spec.layer === stemLayer && spec.torchShape[1] === 1 && shape[1] === 3
        ? " (1-channel model, RGB weights: pass stemFromRgb: 'sum')" : '';
      problem(spec.key, `shape mismatch for '${spec.key}': file has ${fmt(shape)}, model expects ${fmt(spec.torchShape)}${hint}`);
      continue;
    }
    if (spec.kind === 'conv-weight') data = convOihwToHwio(data, shape);
    else if (spec.kind === 'linear-weight') data = linearToInOut(data, shape);
    plan.values.set(spec.key, data);
  }

  const expected = new Set(specs.map((s) => s.key));
  for (const [key, { original, entry }] of byKey) {
    if (expected.has(key)) continue;
    if ((opts.allowHeadMismatch && isHead(key)) || opts.allowUnusedKeys) report.unused.push(original);
    else problem(key, `unexpected key '${original}' (${fmt(entry.shape)}): the model has no such parameter`);
  }
  return plan;
}

/** Set every planned layer's weights. A head layer is either fully loaded or fully left at its init. */
function applyPlan(model: tf.LayersModel, specs: TorchParamSpec[], plan: LoadPlan, report: LoadReport): void {
  const byLayer = new Map<string, TorchParamSpec[]>();
  for (const spec of specs) byLayer.set(spec.layer, [...(byLayer.get(spec.layer) ?? []), spec]);
  for (const [layerName, layerSpecs] of byLayer) {
    if (plan.skipLayers.has(layerName)) {
      for (const s of layerSpecs) if (!report.keptHeadInit.includes(s.key)) report.keptHeadInit.push(s.key);
      continue;
    }
    const layer = model.getLayer(layerName);
    const tensors = layerSpecs.map((s) => tf.tensor(plan.values.get(s.key)!, layer.weights[s.index]!.shape as number[]));
    layer.setWeights(tensors);
    tf.dispose(tensors);
    report.loaded += layerSpecs.length;
  }
}

/**
 * Load a weights file into `model`. Every key and shape is checked before any weight is set, so a file that
 * does not fit leaves the model unchanged; the WeightsError lists every problem.
 */
export function loadTorchvisionWeights(model: tf.LayersModel, file: string, opts: LoadTorchOptions = {}): LoadReport {
  const byKey = byModelKey(readStateDict(file, opts));
  const specs = torchStateDictSpec(model);
  const report: LoadReport = { file, loaded: 0, keptHeadInit: [], unused: [] };
  const plan = planLoad(model, specs, byKey, opts, report);
  if (plan.problems.length > 0) {
    const shown = plan.problems.slice(0, 12).map((p) => `  - ${p.message}`).join('\n');
    const more = plan.problems.length > 12 ? `\n  ... and ${plan.problems.length - 12} more` : '';
    throw new WeightsError(`${file} does not fit model '${model.name}':\n${shown}${more}`, {
      file,
      key: plan.problems[0]!.key,
      problems: plan.problems.map((p) => p.message),
    });
  }
  applyPlan(model, specs, plan, report);
  return report;
}
