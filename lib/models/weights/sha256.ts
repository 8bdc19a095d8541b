import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WeightsError } from '../../errors';

export function sha256OfBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function sha256OfFile(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0) hash.update(chunk.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Parse `sha256sum` output ("<hex>  <relative path>" per line) into path -> hex. */
export function parseSha256Sums(text: string, source: string): Map<string, string> {
  const sums = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (!m) throw new WeightsError(`${source}:${i + 1}: not a sha256sum line: '${line}'`, { file: source, row: i + 1 });
    sums.set(m[2]!, m[1]!);
  });
  return sums;
}

/** Check every file of a manifest under `dir`; throws naming the first file that is missing or differs. */
export function verifySha256Sums(dir: string, sums: Map<string, string>, only?: (relPath: string) => boolean): void {
  for (const [rel, expected] of sums) {
    if (only && !only(rel)) continue;
    const file = path.join(dir, rel);
    if (!fs.existsSync(file)) throw new WeightsError(`missing weights file ${file}`, { file });
    const actual = sha256OfFile(file);
    if (actual !== expected) {
      throw new WeightsError(`sha256 mismatch for ${file}: expected ${expected}, got ${actual}`, { file, expected, actual });
    }
  }
}

/**
 * The hash prefix a torch.hub-style file name carries (`densenet121-a639ec97.pth` -> `a639ec97`): at least 8 hex
 * digits between the last '-' and the extension. torch.hub's own pattern (`-([a-f0-9]*)\.`) also takes shorter
 * runs; requiring 8 keeps names like `run-2.pth` from being read as hashes.
 */
export function hashPrefixOf(file: string): string | null {
  return /-([0-9a-f]{8,64})\.[A-Za-z0-9]+$/.exec(path.basename(file))?.[1] ?? null;
}

/** Check a file's sha256 against the prefix its name carries, as torch.hub does after a download. */
export function verifyHashPrefix(file: string, bytes: Uint8Array): void {
  const prefix = hashPrefixOf(file);
  if (prefix === null) return;
  const actual = sha256OfBytes(bytes);
  if (!actual.startsWith(prefix)) {
    throw new WeightsError(
      `${file}: sha256 ${actual} does not start with ${prefix}, the hash prefix in its name (torch.hub's check): ` +
        'the file is damaged or is not the published one',
      { file, expected: prefix, actual },
    );
  }
}
