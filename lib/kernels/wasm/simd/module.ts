/**
 * Loader of the wasm SIMD BatchNorm module (batchnorm.c, built by scripts/build-wasm-simd.sh).
 *
 * The module imports tfjs-backend-wasm's own WebAssembly.Memory, so it reads and writes tensors in place: a
 * tensor's pointer is its `memoryOffset` in the backend's data map. The emscripten Module exposes that
 * memory as `Module.asm.memory` (simd build, memory exported by the wasm) or `Module.wasmMemory`
 * (threaded-simd build, memory created in JS as a SharedArrayBuffer-backed shared memory). A shared memory
 * can only be imported by a module that declares a shared memory, hence two binaries of the same code:
 * batchnorm.wasm (plain memory, no maximum) and batchnorm-shared.wasm (shared, maximum 4 GiB like tfjs').
 * Both are tiny leaf functions without data segments or a shadow stack, so instantiating them never writes
 * to the tfjs heap.
 *
 * One instance per backend instance (keyed by the emscripten Module), created on first use, synchronously.
 * If anything fails (file missing, no SIMD in the engine, memory not found or of another kind), the loader
 * records why, returns null, and the kernels in wasm-kernels/batchnorm-kernels.ts run their JS loops.
 * `RETHINK_WASM_SIMD=0` disables the module.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { KernelBackend } from '@tensorflow/tfjs-core';
import { wasmApi, type WasmMemory } from '../../../util/wasm-api';

/** Pointers are byte offsets into the tfjs heap; counts are element counts. */
export interface BatchNormSimdExports {
  bn_moments(x: number, rows: number, c: number, acc: number, mean: number, variance: number): void;
  bn_grad_sums(dy: number, x: number, mu: number, rows: number, c: number, acc: number, sum: number, dot: number): void;
  bn_affine2(dy: number, x: number, a: number, b: number, cc: number, rows: number, c: number, out: number): void;
  bn_normalize(
    x: number,
    mean: number,
    variance: number,
    gamma: number,
    beta: number,
    epsilon: number,
    rows: number,
    c: number,
    out: number,
  ): void;
}

const EXPORT_NAMES: Array<keyof BatchNormSimdExports> = ['bn_moments', 'bn_grad_sums', 'bn_affine2', 'bn_normalize'];

/** The part of tfjs-backend-wasm's emscripten Module used here. */
export interface EmscriptenHeap {
  asm?: { memory?: unknown };
  wasmMemory?: unknown;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

export interface BatchNormSimd {
  exports: BatchNormSimdExports;
  heap: EmscriptenHeap;
  shared: boolean;
}

export interface BatchNormSimdStatus {
  enabled: boolean;
  /** Variant instantiated for the last backend asked about, or null. */
  loaded: 'plain' | 'shared' | null;
  /** Why the module is not used, if it is not. */
  reason: string | null;
}

// (If a loader ever runs this without CommonJS' __dirname, the binary is not found and the JS loops run.)
const DEFAULT_DIR = typeof __dirname === 'string' ? __dirname : '';
let wasmDir = DEFAULT_DIR;
let enabled = process.env['RETHINK_WASM_SIMD'] !== '0';
let instances = new WeakMap<object, BatchNormSimd | null>();
let lastStatus: BatchNormSimdStatus = { enabled, loaded: null, reason: enabled ? null : 'RETHINK_WASM_SIMD=0' };
const bytesCache = new Map<string, Uint8Array>();

/**
 * Test/diagnostic hook: enable or disable the module, or load the binaries from another directory. Drops
 * every cached instance, so the next kernel call re-instantiates (or falls back).
 */
export function configureBatchNormSimd(options: { enabled?: boolean; wasmDir?: string }): void {
  if (options.enabled != null) enabled = options.enabled;
  if (options.wasmDir != null) wasmDir = options.wasmDir;
  instances = new WeakMap();
  bytesCache.clear();
  lastStatus = { enabled, loaded: null, reason: enabled ? null : 'disabled' };
}

export function resetBatchNormSimd(): void {
  configureBatchNormSimd({ enabled: process.env['RETHINK_WASM_SIMD'] !== '0', wasmDir: DEFAULT_DIR });
}

export function batchNormSimdStatus(): BatchNormSimdStatus {
  return { ...lastStatus };
}

function memoryOf(heap: EmscriptenHeap): WasmMemory | null {
  const api = wasmApi();
  if (api === undefined) return null;
  for (const m of [heap.wasmMemory, heap.asm?.memory]) if (m instanceof api.Memory) return m as WasmMemory;
  return null;
}

function isShared(memory: WasmMemory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

function readBinary(file: string): Uint8Array {
  let bytes = bytesCache.get(file);
  if (bytes == null) {
    bytes = new Uint8Array(fs.readFileSync(path.join(wasmDir, file)));
    bytesCache.set(file, bytes);
  }
  return bytes;
}

/** Instantiates the module on `memory`; throws with the reason if it cannot. */
export function instantiateBatchNormSimd(memory: WasmMemory, bytes?: Uint8Array): BatchNormSimdExports {
  const api = wasmApi();
  if (api === undefined) throw new Error('this JavaScript engine has no WebAssembly');
  const shared = isShared(memory);
  const binary = bytes ?? readBinary(shared ? 'batchnorm-shared.wasm' : 'batchnorm.wasm');
  const module = new api.Module(binary);
  const instance = new api.Instance(module, { env: { memory } });
  const exports = instance.exports as Record<string, unknown>;
  for (const name of EXPORT_NAMES) {
    if (typeof exports[name] !== 'function') throw new Error(`export ${name} missing`);
  }
  return exports as unknown as BatchNormSimdExports;
}

/** The module bound to this wasm backend's heap, or null (then use the JS loops). */
export function batchNormSimd(backend: KernelBackend): BatchNormSimd | null {
  const heap = (backend as unknown as { wasm?: EmscriptenHeap }).wasm;
  if (heap == null || typeof heap !== 'object') return null;
  const cached = instances.get(heap);
  if (cached !== undefined) return cached;
  let result: BatchNormSimd | null = null;
  if (!enabled) {
    lastStatus = { enabled, loaded: null, reason: 'disabled' };
  } else {
    const memory = memoryOf(heap);
    if (memory == null) {
      lastStatus = { enabled, loaded: null, reason: 'the wasm backend exposes no WebAssembly.Memory' };
    } else {
      try {
        const exports = instantiateBatchNormSimd(memory);
        const shared = isShared(memory);
        result = { exports, heap, shared };
        lastStatus = { enabled, loaded: shared ? 'shared' : 'plain', reason: null };
      } catch (e) {
        lastStatus = { enabled, loaded: null, reason: `instantiation failed: ${(e as Error).message}` };
      }
    }
  }
  instances.set(heap, result);
  return result;
}
