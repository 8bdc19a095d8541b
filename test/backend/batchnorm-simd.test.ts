import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import {
  batchNormSimdStatus,
  configureBatchNormSimd,
  instantiateBatchNormSimd,
  resetBatchNormSimd,
} from '../../lib/kernels/wasm/simd/module';
import { compareSimdWithJs, forwardReference, makeInputs, runKernels, SHAPES } from './batchnorm-simd-cases';
import { relMaxError } from './helpers';

const WASM_DIR = path.join(__dirname, '../../lib/kernels/wasm/simd');

/** Section ids of a wasm binary. */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let i = 8;
  while (i < bytes.length) {
    const id = bytes[i++];
    let size = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[i++];
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    ids.push(id);
    i += size;
  }
  return ids;
}

describe('wasm SIMD BatchNorm module: binaries', () => {
  for (const file of ['batchnorm.wasm', 'batchnorm-shared.wasm']) {
    it(`${file} imports only env.memory and has no data segments`, () => {
      const bytes = new Uint8Array(fs.readFileSync(path.join(WASM_DIR, file)));
      const module = new WebAssembly.Module(bytes);
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      expect(sectionIds(bytes)).not.toContain(11); // data
      expect(sectionIds(bytes)).not.toContain(12); // data count
    });
  }

  it('links against a 4 GiB-max plain memory and a 4 GiB-max shared memory, each with its own variant', () => {
    const plain = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
    const shared = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
    expect(() => instantiateBatchNormSimd(plain)).not.toThrow();
    expect(() => instantiateBatchNormSimd(shared)).not.toThrow();
    const plainBytes = new Uint8Array(fs.readFileSync(path.join(WASM_DIR, 'batchnorm.wasm')));
    expect(() => instantiateBatchNormSimd(shared, plainBytes)).toThrow();
  });

  it('computes in place on the memory it imports, with pointers above 2 GiB (unsigned)', () => {
    // 2 GiB + 1 page: only the touched pages are committed.
    const memory = new WebAssembly.Memory({ initial: 32769 });
    const bn = instantiateBatchNormSimd(memory);
    const base = 2 ** 31;
    const f32 = new Float32Array(memory.buffer, base, 16384);
    // x: 5 rows x 3 channels at base + 1024, scratch at base + 4096, mean/var at base + 8192 / + 8208.
    f32.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], 256);
    bn.bn_moments(base + 1024, 5, 3, base + 4096, base + 8192, base + 8208);
    expect(Array.from(f32.subarray(2048, 2051))).toEqual([7, 8, 9]);
    expect(Array.from(f32.subarray(2052, 2055))).toEqual([18, 18, 18]);
    expect(new Float32Array(memory.buffer, 0, 4096).every((v) => v === 0)).toBe(true);
  });
});

describe('wasm SIMD BatchNorm kernels (threads: 1)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });
  afterEach(() => resetBatchNormSimd());

  it('loads the plain-memory variant on the tfjs heap', () => {
    runKernels(makeInputs([1, 2, 2, 4], 1));
    expect(batchNormSimdStatus()).toEqual({ enabled: true, loaded: 'plain', reason: null });
  });

  for (const [n, shape] of SHAPES.entries()) {
    it(`matches the JS loops on ${shape.join('x')}`, () => compareSimdWithJs(shape, 100 + 17 * n));
  }

  it('matches on a large tensor (DenseNet-like 8x14x14x260)', () => compareSimdWithJs([8, 14, 14, 260], 7));

  it('falls back to the JS loops when the module cannot be instantiated', () => {
    const inputs = makeInputs([2, 5, 3, 33], 3);
    configureBatchNormSimd({ enabled: false });
    const js = runKernels(inputs);
    for (const [label, setup] of [
      ['missing', (dir: string) => void dir],
      ['corrupt', (dir: string) => {
        fs.writeFileSync(path.join(dir, 'batchnorm.wasm'), 'not wasm');
        fs.writeFileSync(path.join(dir, 'batchnorm-shared.wasm'), 'not wasm');
      }],
    ] as const) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-bn-simd-'));
      try {
        setup(dir);
        configureBatchNormSimd({ enabled: true, wasmDir: dir });
        const out = runKernels(inputs);
        const status = batchNormSimdStatus();
        expect(status.loaded, label).toBeNull();
        expect(status.reason, label).toMatch(/instantiation failed/);
        for (const key of ['mean', 'variance', 'sumDy', 'dot', 'affine', 'forward'] as const) {
          expect(Array.from(out[key]), `${label} ${key}`).toEqual(Array.from(js[key]));
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    expect(relMaxError(js.forward, forwardReference(inputs))).toBeLessThan(1e-5);
    tf.dispose(Object.values(inputs));
  });

  it('RETHINK_WASM_SIMD-style disable is reported', () => {
    configureBatchNormSimd({ enabled: false });
    runKernels(makeInputs([1, 2, 2, 4], 1));
    expect(batchNormSimdStatus()).toMatchObject({ enabled: false, loaded: null });
  });
});
