/**
 * Loading the native oneDNN addon (build/native/rethink_native.node, built by scripts/build-native.sh) and saying
 * precisely why it cannot be loaded: not built, not a loadable binary, or built but oneDNN's shared library
 * (libdnnl.so.2) missing on this machine. The selector turns the reason into a BackendError or a visible
 * fallback to wasm.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The functions the addon exports (lib/kernels/native/src/addon.cc). Buffers are written, never read back. */
export interface NativeAddon {
  setThreads(n: number): void;
  info(): { onednnVersion: string; isa: string; threads: number; ompMaxThreads: number; cachedPrimitives: number };
  conv2dForward(x: Float32Array, filter: Float32Array, bias: Float32Array | null, y: Float32Array, geometry: Int32Array, relu: number): void;
  conv2dBackwardData(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  conv2dBackwardWeights(x: Float32Array, dy: Float32Array, dw: Float32Array, dbias: Float32Array | null, geometry: Int32Array): void;
  batchNormTrainForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    workspace: Uint8Array | null,
    shape: Int32Array,
    epsilon: number,
  ): void;
  batchNormTrainBackward(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    workspace: Uint8Array | null,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    shape: Int32Array,
    epsilon: number,
  ): void;
  batchNormInference(
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    y: Float32Array,
    shape: Int32Array,
    epsilon: number,
    relu: number,
  ): void;
  batchNormWorkspaceBytes(shape: Int32Array, epsilon: number): number;
  pool2dForward(x: Float32Array, y: Float32Array, geometry: Int32Array, isMax: number): void;
  avgPool2dBackward(dy: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  maxPool2dBackward(dy: Float32Array, x: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  matMul(a: Float32Array, b: Float32Array, bias: Float32Array | null, out: Float32Array, shape: Int32Array, relu: number): void;
  unary(x: Float32Array, y: Float32Array, code: number, attr: number): void;
  reluBackward(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  binary(a: Float32Array, b: Float32Array, out: Float32Array, shapes: Int32Array, code: number): void;
  reduce(x: Float32Array, out: Float32Array, shape: Int32Array, code: number): void;
  concat(inputs: Float32Array[], out: Float32Array, shape: Int32Array): void;
  split(x: Float32Array, outputs: Float32Array[], shape: Int32Array): void;
  slice(x: Float32Array, out: Float32Array, shape: Int32Array): void;
  pad(x: Float32Array, out: Float32Array, shape: Int32Array, value: number): void;
  transpose(x: Float32Array, out: Float32Array, shape: Int32Array): void;
  fill(out: Float32Array, value: number): void;
  adam(params: Float32Array[], grads: Float32Array[], m: Float32Array[], v: Float32Array[], hyper: Float32Array): void;
}

export type NativeLoadFailure = 'absent' | 'corrupt' | 'library-missing' | 'unsupported-platform' | 'incomplete';

export class NativeLoadError extends Error {
  constructor(
    readonly kind: NativeLoadFailure,
    readonly addonPath: string,
    message: string,
  ) {
    super(message);
    this.name = 'NativeLoadError';
  }
}

export const BUILD_HINT = 'build it with `bash scripts/build-native.sh` (needs Debian packages g++ and libdnnl-dev)';

/** build/native/rethink_native.node at the repository root, or RETHINK_NATIVE_ADDON when set. */
export function defaultAddonPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['RETHINK_NATIVE_ADDON'];
  if (fromEnv != null && fromEnv !== '') return path.resolve(fromEnv);
  return path.resolve(__dirname, '..', '..', '..', 'build', 'native', 'rethink_native.node');
}

/**
 * OpenMP's idle threads sleep instead of spinning (OMP_WAIT_POLICY=passive), unless the user chose otherwise.
 * libgomp spins for ~300k iterations after every parallel region by default; on a machine with other busy
 * processes the spinning thread steals the core the main thread needs, and a DenseNet121 step with 2 threads
 * measured 4-5x slower than with passive waiting (which costs a few microseconds per region on an idle machine).
 * libgomp reads the variable when it is loaded, i.e. when the addon is, so it is set just before.
 */
function useQuietOpenMpThreads(env: NodeJS.ProcessEnv = process.env): void {
  if (env['OMP_WAIT_POLICY'] == null && env['GOMP_SPINCOUNT'] == null) env['OMP_WAIT_POLICY'] = 'passive';
}

const EXPECTED_EXPORTS: ReadonlyArray<keyof NativeAddon> = ['setThreads', 'info', 'conv2dForward', 'batchNormTrainForward', 'adam'];

/** Classifies a dlopen failure by its message (glibc's wording: "<file>: cannot open shared object file ..."). */
function classify(addonPath: string, error: Error): NativeLoadError {
  const msg = error.message;
  const missing = /([^\s:]+\.so[\w.]*): cannot open shared object file/.exec(msg);
  if (missing && path.basename(missing[1]) !== path.basename(addonPath)) {
    return new NativeLoadError(
      'library-missing',
      addonPath,
      `the native addon ${addonPath} needs ${missing[1]}, which is not installed here (oneDNN: apt-get install ` +
        `libdnnl2, or libdnnl-dev to rebuild): ${msg}`,
    );
  }
  return new NativeLoadError('corrupt', addonPath, `the native addon ${addonPath} cannot be loaded (${msg}); rebuild it: ${BUILD_HINT}`);
}

/**
 * Loads the addon at `addonPath`. Throws NativeLoadError saying what is wrong; never crashes the process
 * (dlopen failures are ordinary exceptions in Node).
 */
export function loadNativeAddon(addonPath: string = defaultAddonPath()): NativeAddon {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new NativeLoadError(
      'unsupported-platform',
      addonPath,
      `the native backend is built for Linux x86-64 (Debian's oneDNN); this is ${process.platform}-${process.arch}`,
    );
  }
  if (!fs.existsSync(addonPath)) {
    throw new NativeLoadError('absent', addonPath, `the native addon ${addonPath} is not built; ${BUILD_HINT}`);
  }
  useQuietOpenMpThreads();
  let loaded: Partial<NativeAddon>;
  try {
    // process.dlopen directly: require() would cache a failed path and tie the module to require's resolution.
    const module = { exports: {} as Partial<NativeAddon> };
    process.dlopen(module, addonPath);
    loaded = module.exports;
  } catch (e) {
    throw classify(addonPath, e as Error);
  }
  const missing = EXPECTED_EXPORTS.filter((name) => typeof loaded[name] !== 'function');
  if (missing.length > 0) {
    throw new NativeLoadError(
      'incomplete',
      addonPath,
      `the native addon ${addonPath} lacks ${missing.join(', ')}: it is from another version of this project; ${BUILD_HINT}`,
    );
  }
  return loaded as NativeAddon;
}
