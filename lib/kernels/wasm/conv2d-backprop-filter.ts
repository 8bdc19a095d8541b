/**
 * Conv2DBackpropFilter for the wasm backend (absent in tfjs-backend-wasm 4.22, tfjs issue 8474).
 *
 * dW[kh,kw,ci,co] = sum over (b,oh,ow) of x[b, oh*s+kh-pt, ow*s+kw-pl, ci] * dy[b,oh,ow,co]
 *
 * That sum is itself a convolution once the batch axis plays the role of channels:
 *   input  xT  = x  transposed to [CI, H, W, B]
 *   filter dyT = dy transposed to [OH, OW, B, CO]
 *   Conv2D(xT, dyT, stride 1, dilation = forward stride, padding [pt, ..]) -> [CI, KH, KW, CO]
 * so the whole reduction runs in XNNPACK. A 1x1, stride-1, unpadded conv is a plain GEMM instead:
 * xᵀ[CI, N] · dy[N, CO], with the transpose made explicit because XNNPACK has no transposed-A GEMM.
 *
 * Tried and measured slower here: one convolution per filter column with (ow, b) folded into the channels
 * (longer reductions per tap, but KW strided copies of x; 10-25 % slower at stride 1, 5x slower at stride 2).
 */
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry } from './conv-geometry';
import { WasmPrimitives } from './primitives';

type Shape4 = [number, number, number, number];

export function conv2DBackpropFilterWasm(args: {
  inputs: { x?: TensorInfo; dy?: TensorInfo };
  backend: KernelBackend;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = (args.attrs ?? {}) as NamedAttrMap;
  const filterShape = attrs['filterShape'] as Shape4;
  const g = convGeometry(
    x.shape as Shape4,
    filterShape,
    attrs['strides'] as [number, number],
    attrs['pad'],
    attrs['dimRoundingMode'],
    attrs['dataFormat'],
  );
  const ops = new WasmPrimitives(args.backend);

  if (g.kH === 1 && g.kW === 1 && g.sH === 1 && g.sW === 1 && g.padTop === 0 && g.padLeft === 0) {
    // Transpose whichever operand is smaller: dWᵀ[CO,CI] = dyᵀ·x when CO < CI (DenseNet's 1x1 convs).
    const n = g.batch * g.inH * g.inW;
    if (g.outC < g.inC) {
      const dyT = ops.swapOuterInner(dy, n, 1, g.outC, [g.outC, n]);
      const x2 = ops.reshape(x, [n, g.inC]);
      const dwT = ops.matMul(dyT, x2);
      ops.free(dyT, x2);
      const out = ops.swapOuterInner(dwT, g.outC, 1, g.inC, filterShape);
      ops.free(dwT);
      return out;
    }
    const xT = ops.swapOuterInner(x, n, 1, g.inC, [g.inC, n]);
    const dy2 = ops.reshape(dy, [n, g.outC]);
    const dw = ops.matMul(xT, dy2);
    ops.free(xT, dy2);
    const out = ops.reshape(dw, filterShape);
    ops.free(dw);
    return out;
  }

  // Rows/columns of x past the last window position are never read. Drop them so the padding of the
  // reduction conv below stays non-negative (XNNPACK takes no negative padding).
  const needH = g.kH + g.sH * (g.outH - 1);
  const needW = g.kW + g.sW * (g.outW - 1);
  let padBottom = needH - g.inH - g.padTop;
  let padRight = needW - g.inW - g.padLeft;
  let xUsed = x;
  if (padBottom < 0 || padRight < 0) {
    const keepH = padBottom < 0 ? g.inH + padBottom : g.inH;
    const keepW = padRight < 0 ? g.inW + padRight : g.inW;
    xUsed = ops.slice(x, [0, 0, 0, 0], [g.batch, keepH, keepW, g.inC]);
    padBottom = Math.max(0, padBottom);
    padRight = Math.max(0, padRight);
  }
  const [, hUsed, wUsed] = xUsed.shape;
  const xT = ops.swapOuterInner(xUsed, g.batch, hUsed * wUsed, g.inC, [g.inC, hUsed, wUsed, g.batch]);
  if (xUsed !== x) ops.free(xUsed);
  const dyT = ops.transpose(dy, [1, 2, 0, 3]);
  const dwT = ops.conv2d(xT, dyT, [1, 1], [g.sH, g.sW], [g.padTop, padBottom, g.padLeft, padRight]);
  ops.free(xT, dyT);
  const out = ops.transpose(dwT, [1, 2, 0, 3]);
  ops.free(dwT);
  return out;
}

export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
