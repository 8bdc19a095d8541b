/**
 * sha256 of image files, remembered by (path, size, mtime, inode) so that after the first load a dataset's
 * identity costs one stat per file instead of reading every byte. One small JSON file per data root under the
 * cache folder; written atomically, so parallel loaders (the runner's workers) can share it: the last writer
 * wins and at worst a file is hashed again.
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { defaultCacheDir } from './image/cache';
import { sha256File } from './hash';
import { sha256Hex } from '../util/hash';

/** size, mtimeMs, ino, sha256 */
type Entry = [number, number, number, string];

export interface FileHashOptions {
  /** Cache folder (default: defaultCacheDir()); false = no persistent cache. */
  cacheDir?: string | false;
  /** Files hashed at once (default 8). */
  concurrency?: number;
}

export type FileHashResult = { sha256: string } | { error: string };

function cacheFileFor(cacheDir: string, root: string): string {
  return path.join(cacheDir, 'file-sha256-v1', `${sha256Hex(path.resolve(root)).slice(0, 24)}.json`);
}

function readCache(file: string): Record<string, Entry> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, Entry>) : {};
  } catch {
    return {}; // absent or damaged: it is only a cache
  }
}

function writeCache(file: string, entries: Record<string, Entry>): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, JSON.stringify(entries));
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true }); // a read-only or full cache folder costs speed, never correctness
  }
}

/**
 * sha256 of each file (given as absolute paths under `root`), or why it could not be read. Cached entries are
 * reused only when size, mtime and inode all still match.
 */
export async function hashFiles(root: string, files: string[], options: FileHashOptions = {}): Promise<FileHashResult[]> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const cacheFile = cacheDir === false ? undefined : cacheFileFor(cacheDir, root);
  const cached = cacheFile ? readCache(cacheFile) : {};
  const fresh: Record<string, Entry> = {};
  let changed = false;
  const out: FileHashResult[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const file = files[i]!;
      try {
        const info = await stat(file);
        const hit = cached[file];
        if (hit && hit[0] === info.size && hit[1] === info.mtimeMs && hit[2] === info.ino) {
          fresh[file] = hit;
        } else {
          fresh[file] = [info.size, info.mtimeMs, info.ino, await sha256File(file)];
          changed = true;
        }
        out[i] = { sha256: fresh[file]![3] };
      } catch (error) {
        out[i] = { error: `image file is missing or unreadable (${(error as Error).message})` };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, files.length) }, worker));
  if (cacheFile && changed) {
    writeCache(cacheFile, { ...cached, ...fresh });
  }
  return out;
}
