/**
 * The parts of tfjs-core 4.22.0's Engine that the low-memory backprop replaces or calls. They are not
 * public API, so every use is guarded by `assertSupportedTfjsCore()`: any other version makes
 * `initBackend` fall back to the stock code path instead of patching something it does not know.
 */
import * as tf from '@tensorflow/tfjs-core';

export const SUPPORTED_TFJS_CORE = '4.22.0';

export interface TapeNode {
  id: number;
  kernelName: string;
  outputs: tf.Tensor[];
  inputs: Record<string, tf.Tensor>;
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

export interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients<T extends tf.Tensor>(
    f: () => T,
    xs: tf.Tensor[],
    dy?: T,
    allowNoGradients?: boolean,
  ): { value: T; grads: tf.Tensor[] };
}

export function tfjsCoreVersion(): string {
  return tf.version_core;
}

export function isSupportedTfjsCore(): boolean {
  return tfjsCoreVersion() === SUPPORTED_TFJS_CORE;
}

export function engineInternals(): EngineInternals {
  return tf.engine() as unknown as EngineInternals;
}
