/**
 * What every native kernel wrapper shares: typed access to the backend and the addon, and the rule that a
 * wrapper either handles its inputs natively or hands the call, unchanged, to the cpu kernel of the same name
 * (another dtype, a layout or attribute the native op does not cover, or a tensor too small to be worth a
 * native call). So every kernel is native or correct-by-cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon';
import type { NativeBackend } from '../backend';

export const BACKEND_NAME = 'native';

export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs?: NamedAttrMap;
}

/** A native implementation: the result, or null to run the cpu kernel instead. */
export type NativeImpl = (args: KernelArgs, be: NativeBackend, addon: NativeAddon) => TensorInfo | TensorInfo[] | null;

/** Below this many elements an element-wise op runs in the cpu kernel: a native call costs more than the work. */
export const MIN_NATIVE_ELEMENTS = 1024;

export function sizeOf(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function isF32(...ts: Array<TensorInfo | undefined | null>): boolean {
  return ts.every((t) => t == null || t.dtype === 'float32');
}

export function input(args: KernelArgs, name: string): TensorInfo {
  return args.inputs[name] as TensorInfo;
}

export function attr<T>(args: KernelArgs, name: string): T {
  return (args.attrs ?? {})[name] as unknown as T;
}

export function cpuKernel(name: string): KernelFunc {
  const config = tf.getKernel(name, 'cpu');
  if (config == null) throw new Error(`the cpu backend has no kernel '${name}' to fall back to`);
  return config.kernelFunc;
}

export interface FallbackCount {
  calls: number;
  /** The largest input (elements) handed to the cpu kernel. */
  maxElements: number;
}

const fallbacks = new Map<string, FallbackCount>();

/** How often each native kernel handed its inputs to the cpu kernel in this process (scripts/backend-kernel-audit.ts). */
export function nativeFallbackCounts(): Map<string, FallbackCount> {
  return new Map([...fallbacks].map(([k, v]) => [k, { ...v }]));
}

function countFallback(kernelName: string, args: KernelArgs): void {
  const c = fallbacks.get(kernelName) ?? { calls: 0, maxElements: 0 };
  c.calls++;
  for (const t of Object.values(args.inputs)) if (t != null) c.maxElements = Math.max(c.maxElements, sizeOf((t as TensorInfo).shape));
  fallbacks.set(kernelName, c);
}

/** A native kernel config that defers to the cpu kernel whenever `impl` returns null. */
export function nativeKernel(kernelName: string, impl: NativeImpl): KernelConfig {
  let fallback: KernelFunc | null = null;
  const kernelFunc = (args: KernelArgs): TensorInfo | TensorInfo[] => {
    const be = args.backend as NativeBackend;
    const out = impl(args, be, be.addon);
    if (out != null) return out;
    countFallback(kernelName, args);
    fallback = fallback ?? cpuKernel(kernelName);
    return fallback(args as Parameters<KernelFunc>[0]) as TensorInfo | TensorInfo[];
  };
  return { kernelName, backendName: BACKEND_NAME, kernelFunc: kernelFunc as unknown as KernelFunc };
}
