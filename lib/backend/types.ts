/** What `initBackend` can be asked for. 'tensorflow' means libtensorflow via tfjs-node-gpu or tfjs-node. */
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface InitBackendOptions {
  /** Which backend to use; default 'auto' (or the RETHINK_BACKEND environment variable). The option wins over the env var. */
  backend?: BackendChoice;
  /**
   * wasm only: XNNPACK threads. 1 (default) uses the single-threaded SIMD build; >= 2 starts the threaded
   * SIMD build in Node with two process-global workarounds (see wasm-threads.ts). Default from
   * RETHINK_WASM_THREADS, else 1. Ignored by the other backends.
   */
  threads?: number;
  /** wasm only: register the project's training kernels and gradients (default true). */
  trainingKernels?: boolean;
}

/** What was chosen; stored with every result as provenance. */
export interface BackendInfo {
  /** The tfjs backend name now active. */
  backend: 'tensorflow' | 'wasm' | 'cpu';
  /** The npm package that provides it, e.g. '@tensorflow/tfjs-backend-wasm'. */
  package: string;
  /** That package's version. */
  version: string;
  /** Compute threads: wasm XNNPACK threads; for 'tensorflow' and 'cpu' the value reported is 1 for cpu and the host's logical core count for tensorflow (libtensorflow manages its own pool). */
  threads: number;
  /** Whether the project's wasm training kernels and gradients are registered. */
  trainingKernels: boolean;
  /** True when libtensorflow reports that it runs on a GPU device. */
  gpu: boolean;
}
