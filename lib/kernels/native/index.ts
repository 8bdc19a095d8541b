export { loadNativeAddon, defaultAddonPath, NativeLoadError, BUILD_HINT } from './addon';
export type { NativeAddon, NativeLoadFailure } from './addon';
export { NativeBackend } from './backend';
export { registerNativeBackend, nativeKernelConfigs } from './register';
export { fusedAdamAvailable, fusedAdamStep } from './adam';
export type { FusedAdamHyper } from './adam';
export { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './kernels/batchnorm';
export { RELU_GRAD } from './kernels/elementwise';
