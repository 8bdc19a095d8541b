/**
 * initBackend(): choose and start a tfjs backend, and say what was chosen.
 *
 * 'auto' order: libtensorflow with a GPU (@tensorflow/tfjs-node-gpu), libtensorflow on the CPU
 * (@tensorflow/tfjs-node), the project's native oneDNN addon, wasm with the project's training kernels, the
 * pure-JS cpu backend. What 'auto' could not start, and why, is in BackendInfo.fallbacks.
 * Precedence: options.backend > RETHINK_BACKEND env var > 'auto'. Threads: options.threads > RETHINK_THREADS >
 * (wasm only) RETHINK_WASM_THREADS > 1.
 *
 * This is the only place in lib/ that loads a backend package. Optional packages are loaded with a dynamic
 * require inside try/catch, so a missing one never breaks an import of the library.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../errors';
import { defaultAddonPath } from '../kernels/native/addon';
import { installFusedGraphTraining } from '../kernels/native/fused-graph';
import { registerNativeBackend } from '../kernels/native/register';
import { registerWasmTrainingKernels } from '../kernels/wasm/register';
import { installTrainingPatches } from './gradients/install';
import { nativeAddon } from './native-status';
import type { BackendChoice, BackendFallback, BackendInfo, InitBackendOptions } from './types';
import { initThreadedWasm } from './wasm-threads';

const CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'];

export const PACKAGES = {
  tfjsNodeGpu: '@tensorflow/tfjs-node-gpu',
  tfjsNode: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
} as const;

export const INSTALL_HINTS: Record<string, string> = {
  [PACKAGES.tfjsNodeGpu]:
    'npm install @tensorflow/tfjs-node-gpu@4.22.0 (Linux/Windows, needs CUDA 11.2 + cuDNN 8.1 and internet access ' +
    'to storage.googleapis.com for libtensorflow 2.9.1, or TFJS_NODE_CDN_STORAGE pointing at a mirror)',
  [PACKAGES.tfjsNode]:
    'npm install @tensorflow/tfjs-node@4.22.0 (needs internet access to storage.googleapis.com for libtensorflow ' +
    '2.9.1, or TFJS_NODE_CDN_STORAGE pointing at a mirror)',
  [PACKAGES.wasm]: 'npm install @tensorflow/tfjs-backend-wasm@4.22.0',
  [PACKAGES.cpu]: 'npm install @tensorflow/tfjs-backend-cpu@4.22.0',
};

/** How packages are found and loaded; injectable so the selection logic can be tested without them. */
export interface PackageProbe {
  /** package.json of the installed package, or null when it cannot be resolved. */
  packageJson(name: string): { name?: string; version?: string } | null;
  /** Loads the package (its side effect registers the backend). Throws when it cannot load. */
  load(name: string): unknown;
}

export const nodeProbe: PackageProbe = {
  packageJson(name) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      return require(`${name}/package.json`) as { name?: string; version?: string };
    } catch {
      return null;
    }
  },
  load(name) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require(name);
  },
};

/** Starts the native backend; injectable so the selection logic can be tested without the addon. */
export interface NativeStarter {
  /**
   * Loads the addon and registers the 'native' tfjs backend with `threads` OpenMP threads (not yet active).
   * Throws an Error whose message says why the backend cannot run here.
   */
  register(threads: number): { onednnVersion: string; isa: string; threads: number };
}

export function addonNativeStarter(env: NodeJS.ProcessEnv = process.env): NativeStarter {
  return {
    register(threads) {
      const addon = nativeAddon(defaultAddonPath(env));
      registerNativeBackend(addon, threads);
      installTrainingPatches();
      installFusedGraphTraining();
      return addon.info();
    },
  };
}

/** Starts a backend by name in the tfjs engine; injectable for tests. */
export interface EngineControl {
  setBackend(name: string): Promise<boolean>;
  currentBackend(): string;
  /** For 'tensorflow': whether libtensorflow runs on a GPU. */
  usesGpu(): boolean;
}

export const tfEngineControl: EngineControl = {
  setBackend: (name) => tf.setBackend(name),
  currentBackend: () => tf.getBackend(),
  usesGpu: () => {
    const b = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
    return b.isUsingGpuDevice === true;
  },
};

/**
 * A package is installed only if it resolves to itself. node_modules/@tensorflow/tfjs-node in this project is
 * an npm alias of plain @tensorflow/tfjs (danfojs-node depends on it), whose package.json says
 * "@tensorflow/tfjs": that is not libtensorflow and must count as absent.
 */
export function installedVersion(probe: PackageProbe, name: string): string | null {
  const pj = probe.packageJson(name);
  if (pj == null || pj.name !== name || pj.version == null) return null;
  return pj.version;
}

function readChoice(options: InitBackendOptions, env: NodeJS.ProcessEnv): BackendChoice {
  if (options.backend != null) {
    if (!CHOICES.includes(options.backend)) {
      throw new BackendError(`Unknown backend '${String(options.backend)}'; use one of ${CHOICES.join(', ')}.`, {
        field: 'backend',
      });
    }
    return options.backend;
  }
  const fromEnv = env['RETHINK_BACKEND'];
  if (fromEnv == null || fromEnv === '') return 'auto';
  if (!CHOICES.includes(fromEnv as BackendChoice)) {
    throw new BackendError(
      `Environment variable RETHINK_BACKEND='${fromEnv}' is not a backend; use one of ${CHOICES.join(', ')}.`,
      { key: 'RETHINK_BACKEND' },
    );
  }
  return fromEnv as BackendChoice;
}

/** Threads asked for, per backend that uses them. */
interface ThreadRequest {
  native: number;
  wasm: number;
}

function readThreads(options: InitBackendOptions, env: NodeJS.ProcessEnv): ThreadRequest {
  const parse = (raw: number, where: { field: string } | { key: string }): number => {
    if (!Number.isInteger(raw) || raw < 1) {
      const name = 'field' in where ? where.field : where.key;
      throw new BackendError(`${name} must be a positive integer, got ${String(raw)}.`, where);
    }
    return raw;
  };
  const fromEnv = (key: string): number | null => {
    const value = env[key];
    return value == null || value === '' ? null : parse(Number(value), { key });
  };
  const generic = options.threads != null ? parse(options.threads, { field: 'threads' }) : fromEnv('RETHINK_THREADS');
  const wasmAlias = fromEnv('RETHINK_WASM_THREADS');
  return { native: generic ?? 1, wasm: generic ?? wasmAlias ?? 1 };
}

function absent(name: string, why?: string): BackendError {
  return new BackendError(
    `Backend package ${name} is not installed${why ? ` (${why})` : ''}. To use it: ${INSTALL_HINTS[name]}.`,
    { key: name },
  );
}

interface Attempt {
  info: BackendInfo;
}

export class BackendSelector {
  private current: { info: BackendInfo; choice: BackendChoice; threads: ThreadRequest; kernels: boolean } | null = null;

  constructor(
    private readonly probe: PackageProbe = nodeProbe,
    private readonly engine: EngineControl = tfEngineControl,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly native: NativeStarter = addonNativeStarter(env),
  ) {}

  info(): BackendInfo | null {
    return this.current ? { ...this.current.info } : null;
  }

  async init(options: InitBackendOptions = {}): Promise<BackendInfo> {
    const choice = readChoice(options, this.env);
    const threads = readThreads(options, this.env);
    const kernels = options.trainingKernels ?? true;
    const cur = this.current;
    const same = cur != null && cur.threads.native === threads.native && cur.threads.wasm === threads.wasm;
    if (cur != null && same && cur.choice === choice && cur.kernels === kernels) {
      // Idempotent; re-activate in case someone switched tfjs backends behind our back.
      if (this.engine.currentBackend() !== cur.info.backend) await this.engine.setBackend(cur.info.backend);
      return { ...cur.info };
    }
    const wasmMayStart = choice === 'wasm' || (choice === 'auto' && cur?.info.backend === 'wasm');
    if (cur?.info.backend === 'wasm' && cur.info.threads !== threads.wasm && wasmMayStart) {
      throw new BackendError(
        `The wasm backend is already running with ${cur.info.threads} thread(s); the thread count cannot change ` +
          'within a process. Start a new process to use a different count.',
        { field: 'threads' },
      );
    }
    const attempt = await this.start(choice, threads, kernels);
    this.current = { info: attempt.info, choice, threads, kernels };
    return { ...attempt.info };
  }

  private async start(choice: BackendChoice, threads: ThreadRequest, kernels: boolean): Promise<Attempt> {
    switch (choice) {
      case 'tensorflow':
        return this.startTensorflow();
      case 'native':
        return this.startNative(threads.native);
      case 'wasm':
        return this.startWasm(threads.wasm, kernels);
      case 'cpu':
        return this.startCpu();
      case 'auto':
        return this.startAuto(threads, kernels);
    }
  }

  /** The first backend of the 'auto' order that starts; every one skipped on the way says why. */
  private async startAuto(threads: ThreadRequest, kernels: boolean): Promise<Attempt> {
    const fallbacks: BackendFallback[] = [];
    const withFallbacks = (attempt: Attempt): Attempt => (fallbacks.length > 0 ? { info: { ...attempt.info, fallbacks } } : attempt);
    for (const name of [PACKAGES.tfjsNodeGpu, PACKAGES.tfjsNode]) {
      if (installedVersion(this.probe, name) == null) continue;
      try {
        return withFallbacks(await this.startLibtensorflow(name));
      } catch (e) {
        // Installed but unusable (e.g. libtensorflow or CUDA libraries missing): try the next backend.
        fallbacks.push({ backend: 'tensorflow', reason: `${name}: ${(e as Error).message}` });
      }
    }
    try {
      return withFallbacks(await this.startNative(threads.native));
    } catch (e) {
      fallbacks.push({ backend: 'native', reason: (e as Error).message });
    }
    if (installedVersion(this.probe, PACKAGES.wasm) != null) {
      try {
        return withFallbacks(await this.startWasm(threads.wasm, kernels));
      } catch (e) {
        // wasm failed to start (e.g. no WebAssembly SIMD): fall through to the pure-JS backend.
        fallbacks.push({ backend: 'wasm', reason: (e as Error).message });
      }
    }
    return withFallbacks(await this.startCpu());
  }

  private async startNative(threads: number): Promise<Attempt> {
    let native: { onednnVersion: string; isa: string; threads: number };
    try {
      native = this.native.register(threads);
    } catch (e) {
      throw new BackendError(`Backend 'native' cannot run here: ${(e as Error).message}.`, { key: 'native' });
    }
    if (!(await this.engine.setBackend('native'))) throw new BackendError("The 'native' backend failed to initialise.", { key: 'native' });
    return {
      info: {
        backend: 'native',
        package: 'oneDNN',
        version: native.onednnVersion,
        threads: native.threads,
        trainingKernels: true,
        gpu: false,
        isa: native.isa,
      },
    };
  }

  private async startTensorflow(): Promise<Attempt> {
    const errors: string[] = [];
    for (const name of [PACKAGES.tfjsNodeGpu, PACKAGES.tfjsNode]) {
      if (installedVersion(this.probe, name) == null) continue;
      try {
        return await this.startLibtensorflow(name);
      } catch (e) {
        errors.push(`${name}: ${(e as Error).message}`);
      }
    }
    const hint = `${INSTALL_HINTS[PACKAGES.tfjsNodeGpu]}; or, without a GPU, ${INSTALL_HINTS[PACKAGES.tfjsNode]}`;
    const aliasNote =
      this.probe.packageJson(PACKAGES.tfjsNode)?.name === '@tensorflow/tfjs'
        ? ` (node_modules/${PACKAGES.tfjsNode} is an npm alias of plain @tensorflow/tfjs, not libtensorflow)`
        : '';
    throw new BackendError(
      errors.length > 0
        ? `Backend 'tensorflow' is installed but failed to load: ${errors.join('; ')}. ${hint}.`
        : `Backend 'tensorflow' is not installed: neither ${PACKAGES.tfjsNodeGpu} nor ${PACKAGES.tfjsNode} is present${aliasNote}. To use it: ${hint}.`,
      { key: 'tensorflow' },
    );
  }

  private async startLibtensorflow(name: string): Promise<Attempt> {
    const version = installedVersion(this.probe, name);
    if (version == null) throw absent(name);
    this.probe.load(name);
    if (!(await this.engine.setBackend('tensorflow'))) throw new BackendError(`${name} did not register 'tensorflow'.`);
    const gpu = name === PACKAGES.tfjsNodeGpu && this.engine.usesGpu();
    return {
      info: { backend: 'tensorflow', package: name, version, threads: os.cpus().length, trainingKernels: false, gpu },
    };
  }

  private async startWasm(threads: number, kernels: boolean): Promise<Attempt> {
    const version = installedVersion(this.probe, PACKAGES.wasm);
    if (version == null) throw absent(PACKAGES.wasm);
    const wasm = this.probe.load(PACKAGES.wasm) as {
      setThreadsCount(n: number): void;
      getThreadsCount(): number;
    };
    if (kernels) registerWasmTrainingKernels();
    let actualThreads = 1;
    if (threads > 1) {
      actualThreads = await initThreadedWasm(wasm, threads);
    } else if (!(await this.engine.setBackend('wasm'))) {
      throw new BackendError(`${PACKAGES.wasm} failed to initialise (does this Node support WebAssembly SIMD?).`);
    }
    return {
      info: { backend: 'wasm', package: PACKAGES.wasm, version, threads: actualThreads, trainingKernels: kernels, gpu: false },
    };
  }

  private async startCpu(): Promise<Attempt> {
    const version = installedVersion(this.probe, PACKAGES.cpu);
    if (version == null) throw absent(PACKAGES.cpu);
    this.probe.load(PACKAGES.cpu);
    if (!(await this.engine.setBackend('cpu'))) throw new BackendError(`${PACKAGES.cpu} failed to initialise.`);
    return {
      info: { backend: 'cpu', package: PACKAGES.cpu, version, threads: 1, trainingKernels: false, gpu: false },
    };
  }
}

const defaultSelector = new BackendSelector();

/**
 * Chooses and starts the tfjs backend for training and inference. Call once before building models;
 * calling again with the same options returns the same info.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  return defaultSelector.init(options);
}

/** What initBackend chose, or null before it has run. */
export function getBackendInfo(): BackendInfo | null {
  return defaultSelector.info();
}
