/**
 * Load torchvision / timm state dicts saved as .safetensors into the models built here (and any tfjs model
 * whose parameter layers are named after torch modules, see ../naming.ts).
 *
 * Conversions: conv OIHW -> HWIO, linear [out, in] -> [in, out], BN weight/bias/running_mean/running_var ->
 * gamma/beta/moving_mean/moving_variance; `num_batches_tracked` skipped; torchvision's legacy DenseNet keys
 * (`norm.1`) renamed as torchvision does; a DataParallel `module.` prefix is stripped when every key has it.
 */
import * as tf from '@tensorflow/tfjs';
import { WeightsError } from '../../errors';
import { normaliseTorchKey, type TorchParamKind } from '../naming';
import { readSafetensors, toFloat32, type SafetensorsEntry } from './safetensors';

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

export function loadTorchvisionWeights(
  model: tf.LayersModel,
  safetensorsPath: string,
  opts: LoadTorchOptions = {},
): LoadReport {
  const file = readSafetensors(safetensorsPath);
  const rawKeys = [...file.tensors.keys()];
  const stripModule = rawKeys.length > 0 && rawKeys.every((k) => k.startsWith('module.'));
  const byKey = new Map<string, { original: string; entry: SafetensorsEntry }>();
  for (const [k, entry] of file.tensors) {
    const key = normaliseTorchKey(stripModule ? k.slice('module.'.length) : k);
    if (key.endsWith('.num_batches_tracked')) continue;
    byKey.set(key, { original: k, entry });
  }

  const specs = torchStateDictSpec(model);
  const headModules = new Set(['classifier', 'fc']);
  for (const layer of model.layers) if (layer.getClassName() === 'Dense') headModules.add(layer.name);
  const isHead = (key: string) => headModules.has(moduleOf(key));
  const stemLayer = model.layers.find((l) => l.getClassName() === 'Conv2D')?.name;

  const problems: string[] = [];
  const firstKeys: string[] = [];
  const problem = (key: string, msg: string) => {
    problems.push(msg);
    firstKeys.push(key);
  };
  const report: LoadReport = { file: safetensorsPath, loaded: 0, keptHeadInit: [], unused: [] };
  const values = new Map<string, Float32Array>(); // spec key -> tfjs-layout values
  const skipLayers = new Set<string>();

  for (const spec of specs) {
    const found = byKey.get(spec.key);
    const headTolerated = opts.allowHeadMismatch && isHead(spec.key);
    if (!found) {
      if (headTolerated) {
        report.keptHeadInit.push(spec.key);
        skipLayers.add(spec.layer);
      } else problem(spec.key, `missing key '${spec.key}' (model expects ${fmt(spec.torchShape)})`);
      continue;
    }
    let { shape } = found.entry;
    let data: Float32Array;
    try {
      data = toFloat32(found.entry, found.original, safetensorsPath);
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
        skipLayers.add(spec.layer);
        continue;
      }
      const hint = spec.layer === stemLayer && spec.torchShape[1] === 1 && shape[1] === 3
        ? " (1-channel model, RGB weights: pass stemFromRgb: 'sum')" : '';
      problem(spec.key, `shape mismatch for '${spec.key}': file has ${fmt(shape)}, model expects ${fmt(spec.torchShape)}${hint}`);
      continue;
    }
    if (spec.kind === 'conv-weight') data = convOihwToHwio(data, shape);
    else if (spec.kind === 'linear-weight') data = linearToInOut(data, shape);
    values.set(spec.key, data);
  }

  const expected = new Set(specs.map((s) => s.key));
  for (const [key, { original }] of byKey) {
    if (expected.has(key)) continue;
    if ((opts.allowHeadMismatch && isHead(key)) || opts.allowUnusedKeys) report.unused.push(original);
    else problem(key, `unexpected key '${original}' (${fmt(byKey.get(key)!.entry.shape)}): the model has no such parameter`);
  }

  if (problems.length > 0) {
    const shown = problems.slice(0, 12).map((p) => `  - ${p}`).join('\n');
    const more = problems.length > 12 ? `\n  ... and ${problems.length - 12} more` : '';
    throw new WeightsError(`${safetensorsPath} does not fit model '${model.name}':\n${shown}${more}`, {
      file: safetensorsPath,
      key: firstKeys[0],
      problems,
    });
  }

  // A head layer is either fully loaded or fully left at its init (never a kernel from one source, bias from another).
  const byLayer = new Map<string, TorchParamSpec[]>();
  for (const spec of specs) byLayer.set(spec.layer, [...(byLayer.get(spec.layer) ?? []), spec]);
  for (const [layerName, layerSpecs] of byLayer) {
    if (skipLayers.has(layerName)) {
      for (const s of layerSpecs) if (!report.keptHeadInit.includes(s.key)) report.keptHeadInit.push(s.key);
      continue;
    }
    const layer = model.getLayer(layerName);
    const tensors = layerSpecs.map((s) => tf.tensor(values.get(s.key)!, layer.weights[s.index]!.shape as number[]));
    layer.setWeights(tensors);
    tf.dispose(tensors);
    report.loaded += layerSpecs.length;
  }
  return report;
}
