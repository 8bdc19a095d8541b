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

/**
 * Our copy of torch.hub's checkpoint folder: `<weights cache>/hub/checkpoints`, the layout of
 * `$TORCH_HOME/hub/checkpoints` (so `TORCH_HOME=<weights cache>` lets PyTorch share the same files).
 */
export function hubCheckpointsDir(cacheDir: string = defaultWeightsCacheDir()): string {
  return path.join(cacheDir, 'hub', 'checkpoints');
}

/** torch.hub's own checkpoint folder: `$TORCH_HOME/hub/checkpoints`, TORCH_HOME defaulting to `$XDG_CACHE_HOME/torch`. */
export function torchHubCheckpointsDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(process.env.TORCH_HOME || path.join(base, 'torch'), 'hub', 'checkpoints');
}
