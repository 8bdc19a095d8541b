/**
 * Why the native backend cannot load, told precisely, with real dlopen failures: an addon that was never built,
 * a file that is not a shared library, and an addon whose oneDNN library is missing (a copy of the real addon
 * whose DT_NEEDED entry is renamed to a library that does not exist). And the real selector's answer to each.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendSelector } from '../../../lib/backend/select';
import { nativeBackendStatus } from '../../../lib/backend';
import { defaultAddonPath, loadNativeAddon, NativeLoadError } from '../../../lib/kernels/native/addon';
import { nativeStatus } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-native-load-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function loadError(addonPath: string): NativeLoadError {
  try {
    loadNativeAddon(addonPath);
  } catch (e) {
    expect(e).toBeInstanceOf(NativeLoadError);
    return e as NativeLoadError;
  }
  throw new Error(`${addonPath} loaded`);
}

describe('native addon load failures', () => {
  it('absent: says it is not built and how to build it', () => {
    const err = loadError(path.join(dir, 'missing.node'));
    expect(err.kind).toBe('absent');
    expect(err.message).toMatch(/is not built; build it with `bash scripts\/build-native\.sh`/);
  });

  it('corrupt: a file that is not a shared library is named, with the loader error and the rebuild hint', () => {
    const file = path.join(dir, 'corrupt.node');
    fs.writeFileSync(file, 'not an ELF file');
    const err = loadError(file);
    expect(err.kind).toBe('corrupt');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/invalid ELF header|file too short/);
    expect(err.message).toMatch(/build-native\.sh/);
  });

  it.skipIf(!nativeStatus.available)('libdnnl missing: names the library and the Debian package', () => {
    const real = fs.readFileSync(defaultAddonPath());
    const needed = Buffer.from('libdnnl.so.2\0');
    const at = real.indexOf(needed);
    expect(at).toBeGreaterThan(0);
    const patched = Buffer.from(real);
    Buffer.from('libdnnX.so.2\0').copy(patched, at); // same length: the ELF stays valid, the dependency is gone
    const file = path.join(dir, 'no-dnnl.node');
    fs.writeFileSync(file, patched);
    const err = loadError(file);
    expect(err.kind).toBe('library-missing');
    expect(err.message).toMatch(/needs libdnnX\.so\.2, which is not installed here \(oneDNN: apt-get install libdnnl2/);
  });

  it("nativeBackendStatus and the selector report the reason: BackendError when forced, wasm fallback for 'auto'", async () => {
    const env = { RETHINK_NATIVE_ADDON: path.join(dir, 'missing.node') };
    const status = nativeBackendStatus(env.RETHINK_NATIVE_ADDON);
    expect(status).toMatchObject({ available: false, failure: 'absent', addonPath: env.RETHINK_NATIVE_ADDON });
    const forced = new BackendSelector(undefined, undefined, env);
    await expect(forced.init({ backend: 'native' })).rejects.toThrow(/Backend 'native' cannot run here: the native addon .*missing\.node is not built/);
    const auto = await new BackendSelector(undefined, undefined, env).init();
    expect(auto.backend).toBe('wasm');
    expect(auto.fallbacks?.find((f) => f.backend === 'native')?.reason).toMatch(/missing\.node is not built/);
  });
});
