/**
 * registerWasmTrainingKernels(): everything the wasm backend needs to train the project's CNNs fast.
 *
 * Kernels (wasm backend only):
 *  - Conv2DBackpropFilter: absent in tfjs-backend-wasm 4.22 (tfjs issue 8474), built on XNNPACK Conv2D/GEMM.
 *  - Conv2DBackpropInput: replaces the stock scalar loop with an XNNPACK convolution.
 *  - Identity: shares the buffer instead of copying it (every activation saved for backprop is a clone).
 *  - RethinkChannelMoments / RethinkChannelGradSums / RethinkAffine2 / RethinkBatchNormForward: one-pass
 *    BatchNorm statistics, forward and gradient, used by the BatchNormalization training op below; they run
 *    in the wasm SIMD module of ./simd on the backend's own heap (JS loops if it cannot load).
 * Plus the backend-independent training patches (lib/backend/gradients/install.ts).
 * The audit that produced this list is scripts/backend-kernel-audit.ts (it trains each model type on cpu,
 * records every kernel executed, and diffs that against tf.getKernelsForBackend('wasm')).
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputWasmConfig } from './conv2d-backprop-input';
import { identitySharedWasmConfig } from './identity';
import { batchNormWasmKernels } from './batchnorm-kernels';
import { installTrainingPatches, type TrainingPatches } from '../../backend/gradients/install';

export interface WasmTrainingRegistration extends TrainingPatches {
  kernels: string[];
}

const KERNELS: tf.KernelConfig[] = [
  conv2DBackpropFilterWasmConfig,
  conv2DBackpropInputWasmConfig,
  identitySharedWasmConfig,
  ...batchNormWasmKernels,
];

function ensureKernel(config: tf.KernelConfig): void {
  const current = tf.getKernel(config.kernelName, config.backendName);
  if (current?.kernelFunc === config.kernelFunc) return;
  if (current != null) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/** Idempotent. Safe to call before or after the wasm backend is initialised. */
export function registerWasmTrainingKernels(): WasmTrainingRegistration {
  for (const k of KERNELS) ensureKernel(k);
  return { kernels: KERNELS.map((k) => k.kernelName), ...installTrainingPatches() };
}
