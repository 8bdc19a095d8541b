/**
 * Geometry shared by the two convolution backprop kernels: the forward conv's padding and output size,
 * computed by tfjs-core itself so 'same' / 'valid' / explicit padding and rounding modes mean exactly what
 * the forward Conv2D meant.
 */
import { backend_util } from '@tensorflow/tfjs-core';

export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  padTop: number;
  padLeft: number;
}

export function convGeometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: unknown,
  dimRoundingMode: unknown,
  dataFormat: unknown,
): ConvGeometry {
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new Error(`wasm training kernels support dataFormat 'NHWC' only, got '${String(dataFormat)}'`);
  }
  const info = backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    1,
    pad as backend_util.ExplicitPadding,
    dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}
