/**
 * What `initBackend` can be asked for. 'tensorflow' means libtensorflow via tfjs-node-gpu or tfjs-node; 'native'
 * the project's oneDNN addon (lib/kernels/native).
 */
export type BackendChoice = 'auto' | 'tensorflow' | 'native' | 'wasm' | 'cpu';

export interface InitBackendOptions {
  /** Which backend to use; default 'auto' (or the RETHINK_BACKEND environment variable). The option wins over the env var. */
  backend?: BackendChoice;
  /**
   * Compute threads for native (OpenMP / oneDNN) and wasm (XNNPACK). Default from RETHINK_THREADS (for wasm also
   * its older name RETHINK_WASM_THREADS), else 1: with N workers on N cores, more threads per worker only
   * contend. wasm: >= 2 starts the threaded SIMD build with two process-global workarounds (wasm-threads.ts),
   * and the count cannot change within a process. Ignored by 'tensorflow' and 'cpu'.
   */
  threads?: number;
  /** wasm only: register the project's training kernels and gradients (default true). */
  trainingKernels?: boolean;
}

/** A backend 'auto' preferred but could not start, and why. */
export interface BackendFallback {
  backend: 'tensorflow' | 'native' | 'wasm';
  reason: string;
}

/** What was chosen; stored with every result as provenance. */
export interface BackendInfo {
  /** The tfjs backend name now active. */
  backend: 'tensorflow' | 'native' | 'wasm' | 'cpu';
  /** What provides it: an npm package such as '@tensorflow/tfjs-backend-wasm', or 'oneDNN' for native. */
  package: string;
  /** That package's (for native: oneDNN's) version. */
  version: string;
  /**
   * Compute threads: native OpenMP/oneDNN threads, wasm XNNPACK threads; 1 for cpu and the host's logical core
   * count for tensorflow (libtensorflow manages its own pool).
   */
  threads: number;
  /** Whether the project's training kernels and gradients are active (wasm and native). */
  trainingKernels: boolean;
  /** True when libtensorflow reports that it runs on a GPU device. */
  gpu: boolean;
  /** native only: the instruction set oneDNN dispatches to on this CPU, e.g. 'avx512_core_bf16'. */
  isa?: string;
  /** 'auto' only: the backends it preferred but could not start here, with the reasons. */
  fallbacks?: BackendFallback[];
}
