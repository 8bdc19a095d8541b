import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../../lib/errors';
import {
  BackendSelector,
  installedVersion,
  nodeProbe,
  PACKAGES,
  type EngineControl,
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

const ALL = { [PACKAGES.tfjsNodeGpu]: 'x', [PACKAGES.tfjsNode]: 'x', [PACKAGES.wasm]: 'x', [PACKAGES.cpu]: 'x' };

describe('backend selection order and overrides', () => {
  it("'auto' prefers tfjs-node-gpu, and reports whether libtensorflow uses the GPU", async () => {
    const probe = fakeProbe(ALL);
    const info = await new BackendSelector(probe, fakeEngine(true), {}).init();
    expect(info).toMatchObject({ backend: 'tensorflow', package: PACKAGES.tfjsNodeGpu, gpu: true, trainingKernels: false });
  });

  it("'auto' skips an installed but unloadable tfjs-node-gpu and takes tfjs-node", async () => {
    const probe = fakeProbe(ALL, [PACKAGES.tfjsNodeGpu]);
    const info = await new BackendSelector(probe, fakeEngine(), {}).init();
    expect(info).toMatchObject({ backend: 'tensorflow', package: PACKAGES.tfjsNode, gpu: false });
  });

  it("'auto' treats the npm alias of @tensorflow/tfjs at node_modules/@tensorflow/tfjs-node as not installed", async () => {
    const probe = fakeProbe({ [PACKAGES.tfjsNode]: 'alias', [PACKAGES.wasm]: 'x', [PACKAGES.cpu]: 'x' });
    const engine = fakeEngine();
    const info = await new BackendSelector(probe, engine, {}).init({ trainingKernels: false });
    expect(info).toMatchObject({ backend: 'wasm', package: PACKAGES.wasm });
    expect(probe.loaded).not.toContain(PACKAGES.tfjsNode);
  });

  it("'auto' falls back to cpu when nothing else is installed", async () => {
    const info = await new BackendSelector(fakeProbe({ [PACKAGES.cpu]: 'x' }), fakeEngine(), {}).init();
    expect(info).toMatchObject({ backend: 'cpu', package: PACKAGES.cpu, threads: 1 });
  });

  it('RETHINK_BACKEND forces a backend, and the option wins over it', async () => {
    const env = { RETHINK_BACKEND: 'cpu' };
    expect((await new BackendSelector(fakeProbe(ALL), fakeEngine(), env).init()).backend).toBe('cpu');
    const opt = await new BackendSelector(fakeProbe(ALL), fakeEngine(), env).init({ backend: 'tensorflow' });
    expect(opt.backend).toBe('tensorflow');
  });

  it('rejects an unknown RETHINK_BACKEND value naming the variable', async () => {
    const sel = new BackendSelector(fakeProbe(ALL), fakeEngine(), { RETHINK_BACKEND: 'gpu' });
    await expect(sel.init()).rejects.toThrow(/RETHINK_BACKEND='gpu'/);
  });

  it('asking for tensorflow when it is absent says how to install it', async () => {
    const sel = new BackendSelector(fakeProbe({ [PACKAGES.tfjsNode]: 'alias', [PACKAGES.cpu]: 'x' }), fakeEngine(), {});
    const err = await sel.init({ backend: 'tensorflow' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/npm install @tensorflow\/tfjs-node-gpu@4\.22\.0/);
    expect((err as Error).message).toMatch(/CUDA 11\.2 \+ cuDNN 8\.1/);
    expect((err as Error).message).toMatch(/alias of plain @tensorflow\/tfjs/);
  });

  it('asking for wasm when it is absent says how to install it', async () => {
    const sel = new BackendSelector(fakeProbe({ [PACKAGES.cpu]: 'x' }), fakeEngine(), {});
    await expect(sel.init({ backend: 'wasm' })).rejects.toThrow(/npm install @tensorflow\/tfjs-backend-wasm@4\.22\.0/);
  });

  it('rejects a bad thread count', async () => {
    const sel = new BackendSelector(fakeProbe(ALL), fakeEngine(), {});
    await expect(sel.init({ backend: 'wasm', threads: 0 })).rejects.toThrow(BackendError);
    const env = new BackendSelector(fakeProbe(ALL), fakeEngine(), { RETHINK_WASM_THREADS: 'two' });
    await expect(env.init({ backend: 'cpu' })).rejects.toThrow(/RETHINK_WASM_THREADS|threads/);
  });

  it('is idempotent: a second call with the same options starts nothing new', async () => {
    const engine = fakeEngine();
    const probe = fakeProbe(ALL);
    const sel = new BackendSelector(probe, engine, {});
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
