/**
 * Registers the `native` tfjs backend once the addon is loaded: a NativeBackend (the cpu backend's storage and
 * kernels) with every cpu kernel re-registered under 'native', the hot ones replaced by native kernels, and
 * the gradients that use them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { NativeBackend } from './backend';
import { installNativeGradients } from './gradients';
import { batchNormKernels } from './kernels/batchnorm';
import { BACKEND_NAME } from './kernels/common';
import { convKernels } from './kernels/conv';
import { elementwiseKernels } from './kernels/elementwise';
import { matMulKernels } from './kernels/matmul';
import { poolingKernels } from './kernels/pooling';
import { reduceKernels } from './kernels/reduce';
import { shapeKernels } from './kernels/shape';

/** The kernels that run natively (each falls back to its cpu kernel for inputs it does not cover). */
export function nativeKernelConfigs(): tf.KernelConfig[] {
  return [...convKernels, ...batchNormKernels, ...poolingKernels, ...matMulKernels, ...elementwiseKernels, ...reduceKernels, ...shapeKernels];
}

let registeredWith: NativeAddon | null = null;

/**
 * Registers the backend under 'native' (idempotent). `threads` sets oneDNN's / OpenMP's thread count. The tfjs
 * backend priority is below cpu's so tfjs never picks it by itself: initBackend chooses it explicitly.
 */
export function registerNativeBackend(addon: NativeAddon, threads: number): void {
  addon.setThreads(threads);
  if (registeredWith === addon) return;
  if (registeredWith != null) throw new Error('the native backend is already registered with another addon instance');
  require('@tensorflow/tfjs-backend-cpu');
  const natives = nativeKernelConfigs();
  const replaced = new Set(natives.map((k) => k.kernelName));
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (!replaced.has(config.kernelName)) tf.registerKernel({ ...config, backendName: BACKEND_NAME });
  }
  for (const config of natives) tf.registerKernel(config);
  installNativeGradients();
  tf.registerBackend(BACKEND_NAME, () => new NativeBackend(addon), 0);
  registeredWith = addon;
}
