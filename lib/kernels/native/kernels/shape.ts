/**
 * Data movement: Concat and SplitV along any axis (DenseNet's feature concatenation and its gradient), PadV2
 * (explicit zero padding before convs and pools) and its gradient Slice, and Transpose. A Slice of a contiguous
 * range stays on the cpu kernel, which returns a view without copying.
 */
import { backend_util, slice_util, util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { attr, input, isF32, MIN_NATIVE_ELEMENTS, nativeKernel, sizeOf } from './common';

/** [outer, inner_0, inner_1, ...] for tensors joined along `axis`. */
function joinShape(shapes: number[][], axis: number): Int32Array {
  return Int32Array.from([sizeOf(shapes[0].slice(0, axis)), ...shapes.map((s) => sizeOf(s.slice(axis)))]);
}

const concat = nativeKernel('Concat', (args, be, addon) => {
  const inputs = args.inputs as unknown as TensorInfo[];
  if (inputs.length < 2 || !isF32(...inputs)) return null;
  const axis = util.parseAxisParam(attr<number>(args, 'axis'), inputs[0].shape)[0];
  const outShape = backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
  if (sizeOf(outShape) < MIN_NATIVE_ELEMENTS) return null;
  const out = be.output(outShape);
  addon.concat(inputs.map((t) => be.f32(t)), out.values, joinShape(inputs.map((t) => t.shape), axis));
  return out.info;
});

const splitV = nativeKernel('SplitV', (args, be, addon) => {
  const x = input(args, 'x');
  if (!isF32(x) || sizeOf(x.shape) < MIN_NATIVE_ELEMENTS) return null;
  const axis = util.parseAxisParam(attr<number>(args, 'axis'), x.shape)[0];
  const sizes = backend_util.prepareSplitSize(x, attr<number[] | number>(args, 'numOrSizeSplits'), axis);
  const outs = sizes.map((s) => {
    const shape = x.shape.slice();
    shape[axis] = s;
    return be.output(shape);
  });
  addon.split(be.f32(x), outs.map((o) => o.values), joinShape(outs.map((o) => o.info.shape), axis));
  return outs.map((o) => o.info);
});

const slice = nativeKernel('Slice', (args, be, addon) => {
  const x = input(args, 'x');
  if (!isF32(x)) return null;
  const [begin, size] = slice_util.parseSliceParams(x, attr<number[]>(args, 'begin'), attr<number[]>(args, 'size'));
  slice_util.assertParamsValid(x, begin, size);
  if (sizeOf(size) < MIN_NATIVE_ELEMENTS || slice_util.isSliceContinous(x.shape, begin, size)) return null;
  const out = be.output(size);
  addon.slice(be.f32(x), out.values, Int32Array.from([x.shape.length, ...x.shape, ...begin, ...size]));
  return out.info;
});

const padV2 = nativeKernel('PadV2', (args, be, addon) => {
  const x = input(args, 'x');
  const paddings = attr<Array<[number, number]>>(args, 'paddings');
  if (!isF32(x) || x.shape.length === 0) return null;
  const outShape = paddings.map((p, i) => p[0] + x.shape[i] + p[1]);
  if (sizeOf(outShape) < MIN_NATIVE_ELEMENTS) return null;
  const out = be.output(outShape);
  const shape = Int32Array.from([x.shape.length, ...x.shape, ...paddings.map((p) => p[0]), ...paddings.map((p) => p[1])]);
  addon.pad(be.f32(x), out.values, shape, attr<number>(args, 'constantValue'));
  return out.info;
});

const transpose = nativeKernel('Transpose', (args, be, addon) => {
  const x = input(args, 'x');
  const perm = attr<number[]>(args, 'perm');
  if (!isF32(x) || sizeOf(x.shape) < MIN_NATIVE_ELEMENTS) return null;
  const out = be.output(perm.map((p) => x.shape[p]));
  addon.transpose(be.f32(x), out.values, Int32Array.from([x.shape.length, ...x.shape, ...perm]));
  return out.info;
});

export const shapeKernels = [concat, splitV, slice, padV2, transpose];
