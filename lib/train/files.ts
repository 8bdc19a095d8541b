/**
 * Crash-safe file writes and a minimal named-float32-arrays file format for training state.
 *
 * Format: 8-byte magic "RTLTENS1", uint32 LE header length, UTF-8 JSON header
 * `{entries: [{name, length}]}`, then the float32 LE arrays back to back (aligned to 4 bytes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors';
import { storageError } from '../util/io-errors';

/**
 * Write to a temporary file, fsync it, rename over the target, then fsync the directory. A failure (a full disk,
 * no permission) leaves the target as it was, removes the temporary file and throws a StorageError naming the
 * target.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    const fd = fs.openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      // writeSync may write less than asked (e.g. a disk filling up); loop until all is written or it throws.
      for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw storageError(error, 'write this file', file);
  }
  fsyncDirectory(dir);
}

/** Temporary files writeFileAtomic leaves behind only when its process is killed mid-write. */
export const ATOMIC_TMP_PATTERN = /^\..+\.\d+\.tmp$/;

export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const MAGIC = 'RTLTENS1';

export interface NamedArray {
  name: string;
  values: Float32Array;
}

export function encodeArrays(arrays: NamedArray[]): Uint8Array {
  const header = Buffer.from(JSON.stringify({ entries: arrays.map((a) => ({ name: a.name, length: a.values.length })) }), 'utf8');
  const headerPadded = Math.ceil((12 + header.length) / 4) * 4;
  const total = headerPadded + arrays.reduce((n, a) => n + a.values.length * 4, 0);
  const out = Buffer.alloc(total);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  let offset = headerPadded;
  for (const a of arrays) {
    Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength).copy(out, offset);
    offset += a.values.byteLength;
  }
  return out;
}

export function decodeArrays(bytes: Uint8Array, file: string): NamedArray[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) {
    throw new ConfigError(`${file}: not a rethink-tl tensor file (bad magic)`, { file });
  }
  const headerLength = buf.readUInt32LE(8);
  let entries: Array<{ name: string; length: number }>;
  try {
    entries = (JSON.parse(buf.toString('utf8', 12, 12 + headerLength)) as { entries: typeof entries }).entries;
  } catch {
    throw new ConfigError(`${file}: corrupt header`, { file });
  }
  let offset = Math.ceil((12 + headerLength) / 4) * 4;
  return entries.map((entry) => {
    const end = offset + entry.length * 4;
    if (end > buf.length) throw new ConfigError(`${file}: truncated at entry '${entry.name}'`, { file, key: entry.name });
    const values = new Float32Array(entry.length);
    Buffer.from(values.buffer).set(buf.subarray(offset, end));
    offset = end;
    return { name: entry.name, values };
  });
}
