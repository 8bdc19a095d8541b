/**
 * Shared by the native-backend tests: whether the addon is here (tests skip without it, unless
 * RETHINK_REQUIRE_NATIVE=1, as in CI, where a missing addon is a failure), and running the same computation on
 * native and on the cpu backend.
 */
import { describe } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, nativeBackendStatus } from '../../../lib/backend';

export const nativeStatus = nativeBackendStatus();

if (!nativeStatus.available && process.env['RETHINK_REQUIRE_NATIVE'] === '1') {
  throw new Error(`RETHINK_REQUIRE_NATIVE=1 but the native backend cannot run: ${nativeStatus.reason}`);
}

/** describe() that runs only where the native addon loads. */
export const describeNative = describe.skipIf(!nativeStatus.available);

export async function useNative(threads = 1): Promise<void> {
  await initBackend({ backend: 'native', threads });
}

/** Runs `f` on native and on cpu; returns each result's values (inputs must be built inside `f`). */
export async function onBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<{ native: Float32Array[]; cpu: Float32Array[] }> {
  const run = (): Float32Array[] =>
    tf.tidy(() => {
      const out = f();
      return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync() as Float32Array));
    });
  await tf.setBackend('native');
  const native = run();
  await tf.setBackend('cpu');
  const cpu = run();
  await tf.setBackend('native');
  return { native, cpu };
}
