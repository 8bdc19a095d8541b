import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend';
import { batchNormSimdStatus, resetBatchNormSimd } from '../../lib/kernels/wasm/simd/module';
import { compareSimdWithJs, makeInputs, runKernels, SHAPES } from './batchnorm-simd-cases';

describe('wasm SIMD BatchNorm kernels on the threaded build (threads: 2, shared memory)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });
  afterEach(() => resetBatchNormSimd());

  it('loads the shared-memory variant on the tfjs heap', () => {
    runKernels(makeInputs([1, 2, 2, 4], 1));
    expect(batchNormSimdStatus()).toEqual({ enabled: true, loaded: 'shared', reason: null });
  });

  for (const [n, shape] of SHAPES.entries()) {
    it(`matches the JS loops on ${shape.join('x')}`, () => compareSimdWithJs(shape, 300 + 13 * n));
  }
});
