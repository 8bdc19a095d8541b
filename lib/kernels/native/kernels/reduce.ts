/**
 * Sum, Mean, Max and Min over a contiguous block of axes (global average pooling, bias gradients, loss sums):
 * one native pass with double accumulators. Other axis sets (not adjacent) run on the cpu kernel.
 */
import { backend_util, util } from '@tensorflow/tfjs-core';
import { attr, input, isF32, MIN_NATIVE_ELEMENTS, nativeKernel, sizeOf } from './common';

/** [A, R, B] when `axes` (sorted, unique) are adjacent, else null. */
export function reductionBlock(shape: number[], axes: number[]): Int32Array | null {
  if (axes.length === 0) return null;
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1] + 1) return null;
  const first = axes[0];
  const last = axes[axes.length - 1];
  return Int32Array.from([sizeOf(shape.slice(0, first)), sizeOf(shape.slice(first, last + 1)), sizeOf(shape.slice(last + 1))]);
}

/** tfjs names the axes attribute of Max 'reductionIndices', of the others 'axis'. */
function reduceKernel(name: string, code: number, axisAttr = 'axis') {
  return nativeKernel(name, (args, be, addon) => {
    const x = input(args, 'x');
    if (!isF32(x) || sizeOf(x.shape) < MIN_NATIVE_ELEMENTS) return null;
    const axes = [...new Set(util.parseAxisParam(attr<number | number[]>(args, axisAttr), x.shape))].sort((a, b) => a - b);
    const block = reductionBlock(x.shape, axes);
    if (block == null || block[1] === 0) return null;
    const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const keepDims = attr<boolean | undefined>(args, 'keepDims') ?? false;
    const out = be.output(keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape);
    addon.reduce(be.f32(x), out.values, block, code);
    return out.info;
  });
}

export const reduceKernels = [reduceKernel('Sum', 0), reduceKernel('Mean', 1), reduceKernel('Max', 2, 'reductionIndices'), reduceKernel('Min', 3)];
