/**
 * Element-wise kernels: unary functions (oneDNN eltwise), broadcasting binary arithmetic (oneDNN binary, or a
 * strided loop when the first operand is the broadcast one), the ReLU gradient in one pass
 * (RethinkReluGrad: dy where x > 0, else 0), and constant fills.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon';
import type { NativeBackend } from '../backend';
import { attr, input, isF32, MIN_NATIVE_ELEMENTS, nativeKernel, sizeOf } from './common';

export const RELU_GRAD = 'RethinkReluGrad';

/**
 * a + b of one shape (a residual connection), whose gradient (../gradients.ts) is dy for both without keeping
 * a or b: tfjs's Add keeps both inputs alive until the backward pass only to read their shapes.
 */
export const SAME_SHAPE_ADD = 'RethinkSameShapeAdd';

/** Codes of lib/kernels/native/src/eltwise.cc unaryOp(). */
const UNARY: Record<string, number> = {
  Relu: 0,
  Neg: 1,
  Exp: 2,
  Log: 3,
  Sqrt: 4,
  Square: 5,
  Abs: 6,
  Sigmoid: 7,
  Tanh: 8,
  Relu6: 9,
  LeakyRelu: 10,
  Elu: 11,
};

/** Codes of lib/kernels/native/src/eltwise.cc binaryAlgorithm(). */
const BINARY: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5 };

function unaryKernel(name: string, code: number) {
  return nativeKernel(name, (args, be, addon) => {
    const x = input(args, 'x');
    if (!isF32(x) || sizeOf(x.shape) < MIN_NATIVE_ELEMENTS) return null;
    const out = be.output(x.shape);
    addon.unary(be.f32(x), out.values, code, attr<number | undefined>(args, 'alpha') ?? 0);
    return out.info;
  });
}

/** [rank, out..., a..., b...] with both shapes padded to the output rank by leading 1s. */
function broadcastShapes(a: number[], b: number[], out: number[]): Int32Array {
  const r = out.length;
  const padded = (s: number[]): number[] => [...new Array<number>(r - s.length).fill(1), ...s];
  return Int32Array.from([r, ...out, ...padded(a), ...padded(b)]);
}

function binaryKernel(name: string, code: number) {
  return nativeKernel(name, (args, be, addon) => {
    const a = input(args, 'a');
    const b = input(args, 'b');
    if (!isF32(a, b)) return null;
    const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    if (sizeOf(shape) < MIN_NATIVE_ELEMENTS) return null;
    const out = be.output(shape);
    addon.binary(be.f32(a), be.f32(b), out.values, broadcastShapes(a.shape, b.shape, shape), code);
    return out.info;
  });
}

const sameShapeAdd = nativeKernel(SAME_SHAPE_ADD, (args, be, addon) => {
  const a = input(args, 'a');
  const b = input(args, 'b');
  const out = be.output(a.shape);
  addon.binary(be.f32(a), be.f32(b), out.values, broadcastShapes(a.shape, b.shape, a.shape), BINARY['Add']);
  return out.info;
});

const reluGrad = nativeKernel(RELU_GRAD, (args, be, addon) => {
  const dy = input(args, 'dy');
  const x = input(args, 'x');
  const out = be.output(x.shape);
  addon.reluBackward(be.f32(dy), be.f32(x), out.values);
  return out.info;
});

function filled(shape: number[], value: number, be: NativeBackend, addon: NativeAddon): TensorInfo {
  const out = be.output(shape);
  addon.fill(out.values, value);
  return out.info;
}

const fill = nativeKernel('Fill', (args, be, addon) => {
  const shape = attr<number[]>(args, 'shape');
  const value = attr<number>(args, 'value');
  const dtype = attr<string | undefined>(args, 'dtype') ?? (typeof value === 'number' ? 'float32' : 'string');
  if (dtype !== 'float32' || sizeOf(shape) < MIN_NATIVE_ELEMENTS) return null;
  return filled(shape, value, be, addon);
});

function likeKernel(name: string, value: number) {
  return nativeKernel(name, (args, be, addon) => {
    const x = input(args, 'x');
    if (!isF32(x) || sizeOf(x.shape) < MIN_NATIVE_ELEMENTS) return null;
    return filled(x.shape, value, be, addon);
  });
}

export const elementwiseKernels = [
  ...Object.entries(UNARY).map(([name, code]) => unaryKernel(name, code)),
  ...Object.entries(BINARY).map(([name, code]) => binaryKernel(name, code)),
  reluGrad,
  sameShapeAdd,
  fill,
  likeKernel('ZerosLike', 0),
  likeKernel('OnesLike', 1),
];
