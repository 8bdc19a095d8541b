/**
 * The global WebAssembly API, typed here. tslab compiles notebooks (and through them lib/) with TypeScript 5.0
 * and a lib set whose `WebAssembly` namespace has no Memory, Module or Instance, so those global types cannot
 * be named in lib/; modules that build or load wasm use these instead.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}

export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
}

/** The engine's WebAssembly object, or undefined where there is none. */
export function wasmApi(): WasmApi | undefined {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  return typeof api === 'object' && api !== null ? api : undefined;
}
