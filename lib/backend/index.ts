export type { BackendChoice, BackendInfo, InitBackendOptions } from './types';
export { initBackend, getBackendInfo } from './select';
export { registerWasmTrainingKernels } from './wasm-kernels/register';
export type { WasmTrainingRegistration } from './wasm-kernels/register';
export { batchNormSimdStatus } from './wasm-simd/module';
export type { BatchNormSimdStatus } from './wasm-simd/module';
export {
  WASM_HEAP_LIMIT_BYTES,
  DEFAULT_WASM_HEAP_BUDGET_BYTES,
  estimateActivationBytesPerImage,
  estimateFixedTrainingBytes,
  measureTrainingBytes,
  measurePeakBackendBytes,
  planMicroBatch,
  assertBatchFitsWasmHeap,
} from './memory';
export type { MicroBatchPlan, PlanMicroBatchOptions, MeasuredTrainingBytes } from './memory';
