/** MaxPool, AvgPool and their gradients on NHWC (geometry from tfjs's computePool2DInfo). */
import { backend_util } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon';
import { attr, input, isF32, nativeKernel, sizeOf, type KernelArgs } from './common';

type Pad = Parameters<typeof backend_util.computePool2DInfo>[4];

/** [N,H,W,C, KH,KW, OH,OW, sh,sw, pt,pl,pb,pr], or null when oneDNN cannot express the pooling. */
function poolGeometry(args: KernelArgs, xShape: number[]): { geometry: Int32Array; outShape: number[] } | null {
  if (xShape.length !== 4 || sizeOf(xShape) === 0) return null;
  const info = backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attr<[number, number]>(args, 'filterSize'),
    attr<[number, number]>(args, 'strides'),
    1,
    attr<Pad>(args, 'pad'),
    attr<'floor' | 'round' | 'ceil' | undefined>(args, 'dimRoundingMode'),
  );
  const p = info.padInfo;
  const fits = (inSize: number, k: number, s: number, lo: number, hi: number, out: number): boolean =>
    lo >= 0 && hi >= 0 && lo < k && hi < k && Math.floor((inSize + lo + hi - k) / s) + 1 === out;
  if (!fits(info.inHeight, info.filterHeight, info.strideHeight, p.top, p.bottom, info.outHeight)) return null;
  if (!fits(info.inWidth, info.filterWidth, info.strideWidth, p.left, p.right, info.outWidth)) return null;
  if (sizeOf(info.outShape) === 0) return null;
  const geometry = Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth,
    info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, p.top, p.left, p.bottom, p.right,
  ]);
  return { geometry, outShape: info.outShape };
}

function forward(kernelName: string, isMax: number) {
  return nativeKernel(kernelName, (args, be, addon) => {
    const x = input(args, 'x');
    if (!isF32(x)) return null;
    const g = poolGeometry(args, x.shape);
    if (g == null) return null;
    const out = be.output(g.outShape);
    addon.pool2dForward(be.f32(x), out.values, g.geometry, isMax);
    return out.info;
  });
}

/** MaxPoolGrad (dy, input, output) and AvgPoolGrad (dy, input): dx has the input's shape. */
function gradient(kernelName: string, run: (addon: NativeAddon, dy: Float32Array, x: Float32Array, dx: Float32Array, g: Int32Array) => void) {
  return nativeKernel(kernelName, (args, be, addon) => {
    const dy = input(args, 'dy');
    const x = input(args, 'input');
    if (!isF32(dy, x)) return null;
    const g = poolGeometry(args, x.shape);
    if (g == null) return null;
    const out = be.output(x.shape);
    run(addon, be.f32(dy), be.f32(x), out.values, g.geometry);
    return out.info;
  });
}

const maxPoolGrad = gradient('MaxPoolGrad', (addon, dy, x, dx, g) => addon.maxPool2dBackward(dy, x, dx, g));
const avgPoolGrad = gradient('AvgPoolGrad', (addon, dy, _x, dx, g) => addon.avgPool2dBackward(dy, dx, g));

export const poolingKernels = [forward('MaxPool', 1), forward('AvgPool', 0), maxPoolGrad, avgPoolGrad];
