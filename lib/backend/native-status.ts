/**
 * Whether the native oneDNN backend can run here, and why not: the addon is loaded at most once per process
 * (a shared library cannot be unloaded), and the outcome, success or the precise failure, is remembered.
 */
import { defaultAddonPath, loadNativeAddon, NativeLoadError, type NativeAddon, type NativeLoadFailure } from '../kernels/native/addon';

export interface NativeBackendStatus {
  available: boolean;
  /** Where the addon is looked for (build/native/rethink_native.node, or RETHINK_NATIVE_ADDON). */
  addonPath: string;
  /** Why it is not available: not built, not loadable, oneDNN's library missing. Null when available. */
  reason: string | null;
  failure: NativeLoadFailure | null;
  onednnVersion: string | null;
  isa: string | null;
}

const attempts = new Map<string, { addon: NativeAddon } | { error: NativeLoadError }>();

/** The addon at `addonPath`, loaded once; throws the (remembered) NativeLoadError when it cannot be loaded. */
export function nativeAddon(addonPath: string = defaultAddonPath()): NativeAddon {
  let attempt = attempts.get(addonPath);
  if (attempt == null) {
    try {
      attempt = { addon: loadNativeAddon(addonPath) };
    } catch (e) {
      if (!(e instanceof NativeLoadError)) throw e;
      attempt = { error: e };
    }
    attempts.set(addonPath, attempt);
  }
  if ('error' in attempt) throw attempt.error;
  return attempt.addon;
}

export function nativeBackendStatus(addonPath: string = defaultAddonPath()): NativeBackendStatus {
  try {
    const info = nativeAddon(addonPath).info();
    return { available: true, addonPath, reason: null, failure: null, onednnVersion: info.onednnVersion, isa: info.isa };
  } catch (e) {
    const error = e as NativeLoadError;
    return { available: false, addonPath, reason: error.message, failure: error.kind, onednnVersion: null, isa: null };
  }
}
