export type { BackendChoice, BackendFallback, BackendInfo, InitBackendOptions } from './types';
export { initBackend, getBackendInfo } from './select';
export { nativeBackendStatus } from './native-status';
export type { NativeBackendStatus } from './native-status';
export { registerWasmTrainingKernels } from '../kernels/wasm/register';
export type { WasmTrainingRegistration } from '../kernels/wasm/register';
export { batchNormSimdStatus } from '../kernels/wasm/simd/module';
export type { BatchNormSimdStatus } from '../kernels/wasm/simd/module';
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
