/**
 * registerWasmTrainingKernels(): everything the wasm backend needs to train the project's CNNs fast.
 *
 * Kernels (wasm backend only):
 *  - Conv2DBackpropFilter: absent in tfjs-backend-wasm 4.22 (tfjs issue 8474), built on XNNPACK Conv2D/GEMM.
 *  - Conv2DBackpropInput: replaces the stock scalar loop with an XNNPACK convolution.
 *  - Identity: shares the buffer instead of copying it (every activation saved for backprop is a clone).
 *  - RethinkChannelMoments / RethinkChannelGradSums / RethinkAffine2 / RethinkBatchNormForward: one-pass
 *    BatchNorm statistics, forward and gradient, used by the BatchNormalization training op below; they run
 *    in the wasm SIMD module of ../wasm-simd on the backend's own heap (JS loops if it cannot load).
 * Gradients / engine (process-global, guarded by an exact tfjs-core 4.22.0 check):
 *  - FusedBatchNorm gradient that broadcasts instead of using Tile.
 *  - low-memory backprop (Engine.gradients frees each tape node's activations and gradients once used).
 *  - tf.fused.conv2d runs as conv2d + add while a tape records, so unused input gradients are never computed.
 *  - tf.layers BatchNormalization trains as one op with a closed-form backward (7 passes instead of ~15).
 * The audit that produced this list is scripts/backend-kernel-audit.ts (it trains each model type on cpu,
 * records every kernel executed, and diffs that against tf.getKernelsForBackend('wasm')).
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputWasmConfig } from './conv2d-backprop-input';
import { identitySharedWasmConfig } from './identity';
import { batchNormWasmKernels } from './batchnorm-kernels';
import { fusedBatchNormGradConfig } from '../gradients/batchnorm-grad';
import { installLowMemoryBackprop } from '../gradients/low-memory-backprop';
import { installUnfusedConvTraining } from '../gradients/unfused-conv-training';
import { installBatchNormTraining } from '../gradients/batchnorm-training';
import { isSupportedTfjsCore, tfjsCoreVersion, SUPPORTED_TFJS_CORE } from '../gradients/tfjs-internals';

export interface WasmTrainingRegistration {
  kernels: string[];
  gradients: string[];
  lowMemoryBackprop: boolean;
  /** Why an engine-level patch was skipped, if it was. */
  skipped: string[];
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
  const result: WasmTrainingRegistration = {
    kernels: KERNELS.map((k) => k.kernelName),
    gradients: [],
    lowMemoryBackprop: false,
    skipped: [],
  };
  if (isSupportedTfjsCore()) {
    tf.registerGradient(fusedBatchNormGradConfig);
    result.gradients.push(fusedBatchNormGradConfig.kernelName);
    installLowMemoryBackprop();
    result.lowMemoryBackprop = true;
    installUnfusedConvTraining();
    result.gradients.push('fused.conv2d (unfused while recording)');
    installBatchNormTraining();
    result.gradients.push('BatchNormalization layer (one op, closed-form backward)');
  } else {
    result.skipped.push(
      `tfjs-core ${tfjsCoreVersion()} is not ${SUPPORTED_TFJS_CORE}: FusedBatchNorm gradient and low-memory ` +
        'backprop not installed (stock code used; training works but needs more memory)',
    );
  }
  return result;
}
