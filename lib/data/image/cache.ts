import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * On-disk cache of decoded, fitted, resized 8-bit gray images, so later epochs and runs skip decoding. One raw
 * file per image (side*side bytes), named by a key that covers everything that shapes the pixels (see
 * `imageCacheKey` in pipeline.ts). Writes are atomic (temp file + rename), so parallel runs can share a cache.
 */
export class ImageCache {
  readonly dir: string;
  /** hits/misses of lookups; decodes counts images actually decoded from their source by the pipeline. */
  readonly stats = { hits: 0, misses: 0, writes: 0, decodes: 0 };

  constructor(dir: string = defaultCacheDir()) {
    this.dir = path.join(dir, 'images-v1');
  }

  private fileFor(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.u8`);
  }

  /** The cached bytes, or undefined when absent or of the wrong length (a torn or foreign file). */
  async get(key: string, expectedLength: number): Promise<Uint8Array | undefined> {
    try {
      const buf = await readFile(this.fileFor(key));
      if (buf.length === expectedLength) {
        this.stats.hits++;
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
      }
    } catch {
      // absent: fall through
    }
    this.stats.misses++;
    return undefined;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.fileFor(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, file);
    this.stats.writes++;
  }
}

/** `RETHINK_CACHE` if set, else ~/.cache/rethink-tl. */
export function defaultCacheDir(): string {
  return process.env.RETHINK_CACHE ?? path.join(os.homedir(), '.cache', 'rethink-tl');
}
