import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where downloaded weights are cached: `$RETHINK_CACHE/weights`, else `$XDG_CACHE_HOME/rethink-tl/weights`,
 * else `~/.cache/rethink-tl/weights` (like torchvision's hub cache, outside the project).
 */
export function defaultWeightsCacheDir(): string {
  if (process.env.RETHINK_CACHE) return path.join(process.env.RETHINK_CACHE, 'weights');
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'rethink-tl', 'weights');
}
