/**
 * The fused Adam update on the native backend: every parameter and both moments of a model updated in place
 * in one addon call, instead of about 14 tfjs ops (and as many new tensors) per variable. The arithmetic is
 * TorchAdam's (lib/train/adam.ts), op for op in float32, so both paths give bit-identical weights.
 * In place only where that is safe (./in-place.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeBackend } from './backend';
import { writableStorage as writable } from './in-place';
import { BACKEND_NAME } from './kernels/common';

export interface FusedAdamHyper {
  /** learningRate / (1 - beta1^t). */
  stepSize: number;
  beta1: number;
  beta2: number;
  /** sqrt(1 - beta2^t). */
  bc2Sqrt: number;
  epsilon: number;
  weightDecay: number;
}

/** True when the active backend is native (so fusedAdamStep can run). */
export function fusedAdamAvailable(): boolean {
  return tf.getBackend() === BACKEND_NAME;
}

/** One Adam step over all variables. The moments are variables holding float32 state of the same shapes. */
export function fusedAdamStep(params: tf.Variable[], grads: tf.Tensor[], m: tf.Variable[], v: tf.Variable[], h: FusedAdamHyper): void {
  const be = tf.backend() as NativeBackend;
  for (const [i, g] of grads.entries()) {
    if (g.dtype !== 'float32' || g.size !== params[i].size) {
      throw new Error(`fusedAdamStep: gradient ${i} is ${g.dtype}[${g.shape}] for variable ${params[i].name} [${params[i].shape}]`);
    }
  }
  const hyper = Float32Array.of(h.stepSize, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.bc2Sqrt, h.epsilon, h.weightDecay);
  be.addon.adam(
    params.map((p) => writable(be, p)),
    grads.map((g) => be.f32(g)),
    m.map((t) => writable(be, t)),
    v.map((t) => writable(be, t)),
    hyper,
  );
}
