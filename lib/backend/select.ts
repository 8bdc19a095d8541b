/**
 * initBackend(): choose and start a tfjs backend, and say what was chosen.
 *
 * 'auto' order: libtensorflow with a GPU (@tensorflow/tfjs-node-gpu), libtensorflow on the CPU
 * (@tensorflow/tfjs-node), wasm with the project's training kernels, the pure-JS cpu backend.
 * Precedence: options.backend > RETHINK_BACKEND env var > 'auto'. Threads: options.threads >
 * RETHINK_WASM_THREADS > 1.
 *
 * This is the only place in lib/ that loads a backend package. Optional packages are loaded with a dynamic
 * require inside try/catch, so a missing one never breaks an import of the library.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../errors';
import type { BackendChoice, BackendInfo, InitBackendOptions } from './types';
import { registerWasmTrainingKernels } from './wasm-kernels/register';
import { initThreadedWasm } from './wasm-threads';

const CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

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

function readThreads(options: InitBackendOptions, env: NodeJS.ProcessEnv): number {
  const raw = options.threads ?? (env['RETHINK_WASM_THREADS'] ? Number(env['RETHINK_WASM_THREADS']) : 1);
  if (!Number.isInteger(raw) || raw < 1) {
    const where = options.threads != null ? { field: 'threads' } : { key: 'RETHINK_WASM_THREADS' };
    throw new BackendError(`threads must be a positive integer, got ${String(raw)}.`, where);
  }
  return raw;
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
  private current: { info: BackendInfo; choice: BackendChoice; threads: number; kernels: boolean } | null = null;

  constructor(
    private readonly probe: PackageProbe = nodeProbe,
    private readonly engine: EngineControl = tfEngineControl,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  info(): BackendInfo | null {
    return this.current ? { ...this.current.info } : null;
  }

  async init(options: InitBackendOptions = {}): Promise<BackendInfo> {
    const choice = readChoice(options, this.env);
    const threads = readThreads(options, this.env);
    const kernels = options.trainingKernels ?? true;
    const cur = this.current;
    if (cur != null && cur.choice === choice && cur.threads === threads && cur.kernels === kernels) {
      // Idempotent; re-activate in case someone switched tfjs backends behind our back.
      if (this.engine.currentBackend() !== cur.info.backend) await this.engine.setBackend(cur.info.backend);
      return { ...cur.info };
    }
    if (cur?.info.backend === 'wasm' && cur.info.threads !== threads && (choice === 'wasm' || choice === 'auto')) {
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

  private async start(choice: BackendChoice, threads: number, kernels: boolean): Promise<Attempt> {
    switch (choice) {
      case 'tensorflow':
        return this.startTensorflow();
      case 'wasm':
        return this.startWasm(threads, kernels);
      case 'cpu':
        return this.startCpu();
      case 'auto': {
        for (const name of [PACKAGES.tfjsNodeGpu, PACKAGES.tfjsNode]) {
          if (installedVersion(this.probe, name) == null) continue;
          try {
            return await this.startLibtensorflow(name);
          } catch {
            // Installed but unusable (e.g. libtensorflow or CUDA libraries missing): try the next backend.
          }
        }
        if (installedVersion(this.probe, PACKAGES.wasm) != null) {
          try {
            return await this.startWasm(threads, kernels);
          } catch {
            // wasm failed to start (e.g. no WebAssembly SIMD): fall through to the pure-JS backend.
          }
        }
        return this.startCpu();
      }
    }
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
