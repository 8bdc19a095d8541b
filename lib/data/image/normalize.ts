import type { ImagePipelineOptions } from '../types';

export type Normalization = ImagePipelineOptions['normalize'];

/** How 0..255 pixels become model input: `(v / divisor - mean[c]) / std[c]`, channels in `channelOrder`. */
export interface NormalizationSpec {
  channelOrder: 'RGB' | 'BGR';
  divisor: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * The one table of pixel normalisations, fixed by each pretrained source:
 * - 'imagenet':      RGB, x/255, then (x - [0.485,0.456,0.406]) / [0.229,0.224,0.225]   (torchvision, timm)
 * - 'caffe':         BGR, x - [103.939,116.779,123.68] on the 0..255 scale               (Keras ResNet50)
 * - 'minus-one-one': RGB, x/127.5 - 1                                                     (Keras MobileNet)
 * - 'xrv':           grey, (2·x/255 - 1)·1024, i.e. [-1024, 1024]                          (TorchXRayVision)
 * - 'unit':          RGB, x/255
 * 'xrv' is `torchxrayvision.datasets.normalize(img, 255)` written as (x/255 - 0.5) / (1/2048); its weights take
 * one channel (the grid's pipeline gives them one, see experiments/model-factory.ts `inputChannelsFor`).
 */
export const NORMALIZATION: Readonly<Record<Normalization, NormalizationSpec>> = {
  imagenet: { channelOrder: 'RGB', divisor: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  caffe: { channelOrder: 'BGR', divisor: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] },
  'minus-one-one': { channelOrder: 'RGB', divisor: 127.5, mean: [1, 1, 1], std: [1, 1, 1] },
  xrv: { channelOrder: 'RGB', divisor: 255, mean: [0.5, 0.5, 0.5], std: [1 / 2048, 1 / 2048, 1 / 2048] },
  unit: { channelOrder: 'RGB', divisor: 255, mean: [0, 0, 0], std: [1, 1, 1] },
};

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * One lookup table of 256 floats per output channel. Grey is replicated, so only the per-channel constants
 * differ ('caffe' channels are in BGR order, as Keras' ResNet50 expects). With one channel the mean of the three
 * channel constants is used (documented choice; there is no standard).
 */
export function normalizationTables(mode: Normalization, channels: 1 | 3): Float32Array[] {
  const spec = NORMALIZATION[mode];
  const tables: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const m = channels === 3 ? spec.mean[c]! : mean(spec.mean);
    const s = channels === 3 ? spec.std[c]! : mean(spec.std);
    const t = new Float32Array(256);
    for (let v = 0; v < 256; v++) t[v] = (v / spec.divisor - m) / s;
    tables.push(t);
  }
  return tables;
}

/** Writes one gray image into `out` (NHWC) at pixel offset `offset * channels`. */
export function writeNormalized(gray: Uint8Array, out: Float32Array, offset: number, tables: Float32Array[]): void {
  const channels = tables.length;
  let o = offset * channels;
  if (channels === 1) {
    const t = tables[0]!;
    for (let i = 0; i < gray.length; i++) out[o++] = t[gray[i]!]!;
    return;
  }
  const [t0, t1, t2] = tables as [Float32Array, Float32Array, Float32Array];
  for (let i = 0; i < gray.length; i++) {
    const v = gray[i]!;
    out[o] = t0[v]!;
    out[o + 1] = t1[v]!;
    out[o + 2] = t2[v]!;
    o += 3;
  }
}
