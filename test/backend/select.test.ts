import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../../lib/errors';
import {
  BackendSelector,
  installedVersion,
  nodeProbe,
  PACKAGES,
  type EngineControl,
  type NativeStarter,
  type PackageProbe,
} from '../../lib/backend/select';
import { getBackendInfo, initBackend } from '../../lib/backend';

/** Packages "installed" for the selection-logic tests; `broken` ones resolve but throw on load. */
function fakeProbe(installed: Record<string, string>, broken: string[] = []): PackageProbe & { loaded: string[] } {
  const loaded: string[] = [];
  return {
    loaded,
    packageJson: (name) => (name in installed ? { name: installed[name] === 'alias' ? '@tensorflow/tfjs' : name, version: '4.22.0' } : null),
    load: (name) => {
      if (broken.includes(name)) throw new Error(`cannot load ${name}: libtensorflow.so.2 missing`);
      loaded.push(name);
      return { setThreadsCount() {}, getThreadsCount: () => 1 };
    },
  };
}

function fakeEngine(gpu = false): EngineControl & { set: string[] } {
  const set: string[] = [];
  let current = 'cpu';
  return {
    set,
    setBackend: async (name) => {
      set.push(name);
      current = name;
      return true;
    },
    currentBackend: () => current,
    usesGpu: () => gpu,
  };
}

/** A native addon that registers fine, or one that cannot load for `reason`. */
function fakeNative(reason?: string): NativeStarter & { threads: number[] } {
  const threads: number[] = [];
  return {
    threads,
    register: (n) => {
      if (reason != null) throw new Error(reason);
      threads.push(n);
      return { onednnVersion: '2.6.3', isa: 'avx2', threads: n };
    },
  };
}

const NO_ADDON = 'the native addon /x/rethink_native.node is not built; build it with `bash scripts/build-native.sh`';

const ALL = { [PACKAGES.tfjsNodeGpu]: 'x', [PACKAGES.tfjsNode]: 'x', [PACKAGES.wasm]: 'x', [PACKAGES.cpu]: 'x' };

describe('backend selection order and overrides', () => {
  it("'auto' prefers tfjs-node-gpu, and reports whether libtensorflow uses the GPU", async () => {
    const probe = fakeProbe(ALL);
    const info = await new BackendSelector(probe, fakeEngine(true), {}, fakeNative(NO_ADDON)).init();
    expect(info).toMatchObject({ backend: 'tensorflow', package: PACKAGES.tfjsNodeGpu, gpu: true, trainingKernels: false });
  });

  it("'auto' skips an installed but unloadable tfjs-node-gpu and takes tfjs-node", async () => {
    const probe = fakeProbe(ALL, [PACKAGES.tfjsNodeGpu]);
    const info = await new BackendSelector(probe, fakeEngine(), {}, fakeNative(NO_ADDON)).init();
    expect(info).toMatchObject({ backend: 'tensorflow', package: PACKAGES.tfjsNode, gpu: false });
  });

  it("'auto' treats the npm alias of @tensorflow/tfjs at node_modules/@tensorflow/tfjs-node as not installed", async () => {
    const probe = fakeProbe({ [PACKAGES.tfjsNode]: 'alias', [PACKAGES.wasm]: 'x', [PACKAGES.cpu]: 'x' });
    const engine = fakeEngine();
    const info = await new BackendSelector(probe, engine, {}, fakeNative(NO_ADDON)).init({ trainingKernels: false });
    expect(info).toMatchObject({ backend: 'wasm', package: PACKAGES.wasm });
    expect(probe.loaded).not.toContain(PACKAGES.tfjsNode);
  });

  it("'auto' falls back to cpu when nothing else is installed", async () => {
    const info = await new BackendSelector(fakeProbe({ [PACKAGES.cpu]: 'x' }), fakeEngine(), {}, fakeNative(NO_ADDON)).init();
    expect(info).toMatchObject({ backend: 'cpu', package: PACKAGES.cpu, threads: 1 });
  });

  it("'auto' takes native after tensorflow and before wasm, reporting oneDNN's version and ISA", async () => {
    const engine = fakeEngine();
    const probe = fakeProbe({ [PACKAGES.tfjsNode]: 'alias', [PACKAGES.wasm]: 'x', [PACKAGES.cpu]: 'x' });
    const info = await new BackendSelector(probe, engine, {}, fakeNative()).init();
    expect(info).toEqual({ backend: 'native', package: 'oneDNN', version: '2.6.3', threads: 1, trainingKernels: true, gpu: false, isa: 'avx2' });
    expect(engine.set).toEqual(['native']);
    const withTf = await new BackendSelector(fakeProbe(ALL), fakeEngine(), {}, fakeNative()).init();
    expect(withTf.backend).toBe('tensorflow');
  });

  it("'auto' falls back to wasm when the native addon cannot load, and says why in info.fallbacks", async () => {
    const probe = fakeProbe({ [PACKAGES.wasm]: 'x', [PACKAGES.cpu]: 'x' });
    const info = await new BackendSelector(probe, fakeEngine(), {}, fakeNative(NO_ADDON)).init({ trainingKernels: false });
    expect(info.backend).toBe('wasm');
    expect(info.fallbacks).toEqual([{ backend: 'native', reason: expect.stringContaining('build-native.sh') }]);
  });

  it("backend 'native' (option or RETHINK_BACKEND) is a BackendError with the reason when the addon cannot load", async () => {
    const sel = new BackendSelector(fakeProbe(ALL), fakeEngine(), {}, fakeNative('libdnnl.so.2: cannot open shared object file'));
    const err = await sel.init({ backend: 'native' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/Backend 'native' cannot run here: libdnnl\.so\.2/);
    const env = new BackendSelector(fakeProbe(ALL), fakeEngine(), { RETHINK_BACKEND: 'native' }, fakeNative(NO_ADDON));
    await expect(env.init()).rejects.toThrow(/not built/);
  });

  it('threads: option > RETHINK_THREADS > 1 for native; RETHINK_WASM_THREADS is a wasm-only alias', async () => {
    const native = fakeNative();
    await new BackendSelector(fakeProbe(ALL), fakeEngine(), { RETHINK_THREADS: '2' }, native).init({ backend: 'native' });
    await new BackendSelector(fakeProbe(ALL), fakeEngine(), { RETHINK_THREADS: '2' }, native).init({ backend: 'native', threads: 3 });
    await new BackendSelector(fakeProbe(ALL), fakeEngine(), { RETHINK_WASM_THREADS: '2' }, native).init({ backend: 'native' });
    expect(native.threads).toEqual([2, 3, 1]);
    const bad = new BackendSelector(fakeProbe(ALL), fakeEngine(), { RETHINK_THREADS: '0' }, fakeNative());
    await expect(bad.init({ backend: 'native' })).rejects.toThrow(/RETHINK_THREADS must be a positive integer/);
  });

  it('RETHINK_BACKEND forces a backend, and the option wins over it', async () => {
    const env = { RETHINK_BACKEND: 'cpu' };
    expect((await new BackendSelector(fakeProbe(ALL), fakeEngine(), env, fakeNative(NO_ADDON)).init()).backend).toBe('cpu');
    const opt = await new BackendSelector(fakeProbe(ALL), fakeEngine(), env, fakeNative(NO_ADDON)).init({ backend: 'tensorflow' });
    expect(opt.backend).toBe('tensorflow');
  });

  it('rejects an unknown RETHINK_BACKEND value naming the variable', async () => {
    const sel = new BackendSelector(fakeProbe(ALL), fakeEngine(), { RETHINK_BACKEND: 'gpu' }, fakeNative(NO_ADDON));
    await expect(sel.init()).rejects.toThrow(/RETHINK_BACKEND='gpu'/);
  });

  it('asking for tensorflow when it is absent says how to install it', async () => {
    const sel = new BackendSelector(fakeProbe({ [PACKAGES.tfjsNode]: 'alias', [PACKAGES.cpu]: 'x' }), fakeEngine(), {}, fakeNative(NO_ADDON));
    const err = await sel.init({ backend: 'tensorflow' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/npm install @tensorflow\/tfjs-node-gpu@4\.22\.0/);
    expect((err as Error).message).toMatch(/CUDA 11\.2 \+ cuDNN 8\.1/);
    expect((err as Error).message).toMatch(/alias of plain @tensorflow\/tfjs/);
  });

  it('asking for wasm when it is absent says how to install it', async () => {
    const sel = new BackendSelector(fakeProbe({ [PACKAGES.cpu]: 'x' }), fakeEngine(), {}, fakeNative(NO_ADDON));
    await expect(sel.init({ backend: 'wasm' })).rejects.toThrow(/npm install @tensorflow\/tfjs-backend-wasm@4\.22\.0/);
  });

  it('rejects a bad thread count', async () => {
    const sel = new BackendSelector(fakeProbe(ALL), fakeEngine(), {}, fakeNative(NO_ADDON));
    await expect(sel.init({ backend: 'wasm', threads: 0 })).rejects.toThrow(BackendError);
    const env = new BackendSelector(fakeProbe(ALL), fakeEngine(), { RETHINK_WASM_THREADS: 'two' }, fakeNative(NO_ADDON));
    await expect(env.init({ backend: 'cpu' })).rejects.toThrow(/RETHINK_WASM_THREADS must be a positive integer/);
  });

  it('is idempotent: a second call with the same options starts nothing new', async () => {
    const engine = fakeEngine();
    const probe = fakeProbe(ALL);
    const sel = new BackendSelector(probe, engine, {}, fakeNative(NO_ADDON));
    const a = await sel.init({ backend: 'cpu' });
    const b = await sel.init({ backend: 'cpu' });
    expect(b).toEqual(a);
    expect(engine.set).toEqual(['cpu']);
    expect(sel.info()).toEqual(a);
  });
});

describe('this installation', () => {
  it('resolves node_modules/@tensorflow/tfjs-node to what it really is', () => {
    const pj = nodeProbe.packageJson(PACKAGES.tfjsNode);
    const version = installedVersion(nodeProbe, PACKAGES.tfjsNode);
    if (pj?.name === PACKAGES.tfjsNode) expect(version).toBe(pj.version);
    else expect(version).toBeNull(); // absent, or the danfojs alias of plain @tensorflow/tfjs
  });

  it('initBackend({backend: "cpu"}) then "wasm" start the real backends and report their versions', async () => {
    const cpu = await initBackend({ backend: 'cpu' });
    expect(cpu).toMatchObject({ backend: 'cpu', package: PACKAGES.cpu, version: tf.version_core });
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await initBackend({ backend: 'wasm' });
    expect(wasm).toEqual({
      backend: 'wasm',
      package: PACKAGES.wasm,
      version: '4.22.0',
      threads: 1,
      trainingKernels: true,
      gpu: false,
    });
    expect(tf.getBackend()).toBe('wasm');
    expect(getBackendInfo()).toEqual(wasm);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });
});
