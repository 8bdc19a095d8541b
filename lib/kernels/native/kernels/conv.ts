/**
 * Conv2D, FusedConv2D (bias and ReLU fused into the oneDNN primitive), Conv2DBackpropInput and
 * Conv2DBackpropFilter. The geometry (output size, padding) is tfjs's own (backend_util.computeConv2DInfo), so
 * 'same', 'valid', explicit and asymmetric padding and dimRoundingMode mean exactly what they mean on cpu.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { attr, input, isF32, nativeKernel, sizeOf, type KernelArgs } from './common';

type Conv2DInfo = backend_util.Conv2DInfo;
type Pad = Parameters<typeof backend_util.computeConv2DInfo>[4];

/** [N,H,W,C, KH,KW,OC, OH,OW, sh,sw, dh,dw, pt,pl,pb,pr], or null when oneDNN cannot express it. */
export function convGeometry(info: Conv2DInfo): Int32Array | null {
  const p = info.padInfo;
  const fits = (inSize: number, k: number, d: number, s: number, lo: number, hi: number, out: number): boolean =>
    lo >= 0 && hi >= 0 && Math.floor((inSize + lo + hi - ((k - 1) * d + 1)) / s) + 1 === out;
  if (info.dataFormat !== 'channelsLast') return null;
  if (!fits(info.inHeight, info.filterHeight, info.dilationHeight, info.strideHeight, p.top, p.bottom, info.outHeight)) return null;
  if (!fits(info.inWidth, info.filterWidth, info.dilationWidth, info.strideWidth, p.left, p.right, info.outWidth)) return null;
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.filterHeight, info.filterWidth, info.outChannels,
    info.outHeight, info.outWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, p.top, p.left, p.bottom, p.right,
  ]);
}

function convInfo(args: KernelArgs, xShape: number[], filterShape: number[], dilations: number | [number, number]): Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attr<[number, number]>(args, 'strides'),
    dilations,
    attr<Pad>(args, 'pad'),
    attr<'floor' | 'round' | 'ceil' | undefined>(args, 'dimRoundingMode'),
    false,
    backend_util.convertConv2DDataFormat(attr<'NHWC' | 'NCHW'>(args, 'dataFormat') ?? 'NHWC'),
  );
}

function empty(info: Conv2DInfo): boolean {
  return sizeOf(info.inShape) === 0 || sizeOf(info.outShape) === 0 || info.filterHeight * info.filterWidth === 0;
}

const conv2D = nativeKernel('Conv2D', (args, be, addon) => {
  const x = input(args, 'x');
  const filter = input(args, 'filter');
  if (!isF32(x, filter) || x.shape.length !== 4) return null;
  const info = convInfo(args, x.shape, filter.shape, attr(args, 'dilations') ?? 1);
  const geometry = convGeometry(info);
  if (geometry == null || empty(info)) return null;
  const out = be.output(info.outShape);
  addon.conv2dForward(be.f32(x), be.f32(filter), null, out.values, geometry, 0);
  return out.info;
});

/** Bias as a per-output-channel vector, or null if it has another shape. */
function channelBias(bias: TensorInfo | undefined, channels: number): boolean {
  return bias == null || (sizeOf(bias.shape) === channels && bias.shape[bias.shape.length - 1] === channels);
}

const fusedConv2D = nativeKernel('FusedConv2D', (args, be, addon) => {
  const x = input(args, 'x');
  const filter = input(args, 'filter');
  const bias = args.inputs['bias'] as TensorInfo | undefined;
  const activation = attr<string | undefined>(args, 'activation') ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') return null;
  if (!isF32(x, filter, bias) || x.shape.length !== 4 || args.inputs['preluActivationWeights'] != null) return null;
  const info = convInfo(args, x.shape, filter.shape, attr(args, 'dilations') ?? 1);
  const geometry = convGeometry(info);
  if (geometry == null || empty(info) || !channelBias(bias, info.outChannels)) return null;
  const out = be.output(info.outShape);
  addon.conv2dForward(be.f32(x), be.f32(filter), bias ? be.f32(bias) : null, out.values, geometry, activation === 'relu' ? 1 : 0);
  return out.info;
});

const conv2DBackpropInput = nativeKernel('Conv2DBackpropInput', (args, be, addon) => {
  const dy = input(args, 'dy');
  const filter = input(args, 'filter');
  if (!isF32(dy, filter)) return null;
  const info = convInfo(args, attr<number[]>(args, 'inputShape'), filter.shape, 1);
  const geometry = convGeometry(info);
  if (geometry == null || empty(info)) return null;
  const out = be.output(info.inShape);
  addon.conv2dBackwardData(be.f32(dy), be.f32(filter), out.values, geometry);
  return out.info;
});

const conv2DBackpropFilter = nativeKernel('Conv2DBackpropFilter', (args, be, addon) => {
  const x = input(args, 'x');
  const dy = input(args, 'dy');
  if (!isF32(x, dy) || x.shape.length !== 4) return null;
  const filterShape = attr<number[]>(args, 'filterShape');
  const info = convInfo(args, x.shape, filterShape, 1);
  const geometry = convGeometry(info);
  if (geometry == null || empty(info)) return null;
  const out = be.output(filterShape);
  addon.conv2dBackwardWeights(be.f32(x), be.f32(dy), out.values, null, geometry);
  return out.info;
});

/**
 * conv2d(x, filter) + bias as one primitive for training: tf.fused.conv2d's own gradient always computes dx, so
 * while a tape records, fused convs run as this kernel (lib/backend/gradients/unfused-conv-training.ts), whose
 * registered gradient (../gradients.ts) evaluates dx, dW and db only when asked. NHWC, dilation 1.
 */
export const CONV2D_BIAS = 'RethinkConv2DBias';

const conv2DBias = nativeKernel(CONV2D_BIAS, (args, be, addon) => {
  const x = input(args, 'x');
  const filter = input(args, 'filter');
  const bias = input(args, 'bias');
  const info = convInfo(args, x.shape, filter.shape, 1);
  const geometry = convGeometry(info);
  if (geometry == null || empty(info) || !channelBias(bias, info.outChannels) || !isF32(x, filter, bias)) {
    throw new Error(`${CONV2D_BIAS}: unsupported inputs x ${x.shape} filter ${filter.shape} bias ${bias.shape}`);
  }
  const out = be.output(info.outShape);
  addon.conv2dForward(be.f32(x), be.f32(filter), be.f32(bias), out.values, geometry, 0);
  return out.info;
});

export const convKernels = [conv2D, fusedConv2D, conv2DBackpropInput, conv2DBackpropFilter, conv2DBias];
