/** BatchMatMul and _FusedMatMul (bias over the last axis, ReLU) as one oneDNN matmul; transposes are strides. */
import { backend_util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { attr, input, isF32, nativeKernel, sizeOf, type KernelArgs } from './common';
import type { NativeBackend } from '../backend';
import type { NativeAddon } from '../addon';

function sameDims(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function run(args: KernelArgs, be: NativeBackend, addon: NativeAddon, bias: TensorInfo | null, relu: boolean): TensorInfo | null {
  const a = input(args, 'a');
  const b = input(args, 'b');
  if (!isF32(a, b, bias) || a.shape.length < 2 || b.shape.length < 2) return null;
  const ta = attr<boolean>(args, 'transposeA') ? 1 : 0;
  const tb = attr<boolean>(args, 'transposeB') ? 1 : 0;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = tb ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) return null;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const ba = sizeOf(batchA);
  const bb = sizeOf(batchB);
  // Same batch dims, or one side without batch: the only broadcasts oneDNN's matmul needs here.
  if (!(sameDims(batchA, batchB) || ba === 1 || bb === 1)) return null;
  const batchShape = backend_util.assertAndGetBroadcastShape(batchA, batchB);
  if (ba * m * k === 0 || bb * k * n === 0) return null;
  if (bias != null && sizeOf(bias.shape) !== n) return null;
  const out = be.output([...batchShape, m, n]);
  addon.matMul(be.f32(a), be.f32(b), bias ? be.f32(bias) : null, out.values, Int32Array.from([ba, bb, m, k, n, ta, tb]), relu ? 1 : 0);
  return out.info;
}

const batchMatMul = nativeKernel('BatchMatMul', (args, be, addon) => run(args, be, addon, null, false));

const fusedMatMul = nativeKernel('_FusedMatMul', (args, be, addon) => {
  const activation = attr<string | undefined>(args, 'activation') ?? 'linear';
  if ((activation !== 'linear' && activation !== 'relu') || args.inputs['preluActivationWeights'] != null) return null;
  return run(args, be, addon, (args.inputs['bias'] as TensorInfo | undefined) ?? null, activation === 'relu');
});

export const matMulKernels = [batchMatMul, fusedMatMul];
