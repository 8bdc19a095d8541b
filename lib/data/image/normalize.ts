import type { ImagePipelineOptions } from '../types';

export type Normalization = ImagePipelineOptions['normalize'];

/** torchvision's ImageNet statistics, RGB, on [0, 1]. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
/** Keras `preprocess_input(mode='caffe')` means, in its BGR channel order, on [0, 255]. */
export const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68] as const;

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * One lookup table of 256 floats per output channel. Grey is replicated, so only the per-channel constants
 * differ. With 'caffe' the channels are in BGR order, as Keras' ResNet50 expects. With one channel,
 * 'imagenet' and 'caffe' use the mean of the three channel constants (documented choice; there is no standard).
 */
export function normalizationTables(mode: Normalization, channels: 1 | 3): Float32Array[] {
  const tables: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const t = new Float32Array(256);
    for (let v = 0; v < 256; v++) {
      switch (mode) {
        case 'unit':
          t[v] = v / 255;
          break;
        case 'minus-one-one':
          t[v] = v / 127.5 - 1;
          break;
        case 'imagenet': {
          const m = channels === 3 ? IMAGENET_MEAN[c]! : mean(IMAGENET_MEAN);
          const s = channels === 3 ? IMAGENET_STD[c]! : mean(IMAGENET_STD);
          t[v] = (v / 255 - m) / s;
          break;
        }
        case 'caffe':
          t[v] = v - (channels === 3 ? CAFFE_MEAN_BGR[c]! : mean(CAFFE_MEAN_BGR));
          break;
      }
    }
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
