/**
 * The zip archives `torch.save` writes (torch >= 1.6): entries stored uncompressed and 64-byte aligned, zip64
 * records once a file passes 4 GiB. This reader takes the central directory, returns stored entries as views
 * of the file buffer (no copy of a 100 MB checkpoint), inflates deflated ones with Node's zlib, and checks
 * every entry's CRC-32 (fflate's unzipSync copies every entry and checks no CRC, so a damaged
 * file would load silently).
 */
import * as zlib from 'node:zlib';
import { WeightsError } from '../../../errors';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_END64_LOCATOR = 0x07064b50;
const END_SIZE = 22;
const MAX_COMMENT = 0xffff;

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04] as const;

export function isZip(buf: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => buf[i] === b);
}

interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const u64 = (view: DataView, at: number) => Number(view.getBigUint64(at, true));

function findEnd(view: DataView, file: string): number {
  const stop = Math.max(0, view.byteLength - END_SIZE - MAX_COMMENT);
  for (let at = view.byteLength - END_SIZE; at >= stop; at--) {
    if (view.getUint32(at, true) === SIG_END) return at;
  }
  throw new WeightsError(`${file}: not a complete zip archive (no end-of-central-directory record; truncated download?)`, {
    file,
  });
}

/** Where the central directory is and how many entries it has (zip64 aware). */
function directory(view: DataView, file: string): { offset: number; count: number } {
  const end = findEnd(view, file);
  let count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  if (count === 0xffff || offset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || view.getUint32(locator, true) !== SIG_END64_LOCATOR) {
      throw new WeightsError(`${file}: zip64 archive without a zip64 end-of-directory locator`, { file });
    }
    const end64 = u64(view, locator + 8);
    if (end64 + 56 > view.byteLength || view.getUint32(end64, true) !== SIG_END64) {
      throw new WeightsError(`${file}: zip64 end-of-directory record missing (truncated?)`, { file });
    }
    count = u64(view, end64 + 32);
    offset = u64(view, end64 + 48);
  }
  return { offset, count };
}

/** Zip64 extra field (id 1): the 64-bit values of whichever 32-bit fields are saturated, in this order. */
function applyZip64(entry: CentralEntry, view: DataView, extraStart: number, extraEnd: number): void {
  for (let at = extraStart; at + 4 <= extraEnd; ) {
    const id = view.getUint16(at, true);
    const len = view.getUint16(at + 2, true);
    if (id === 1) {
      let p = at + 4;
      if (entry.size === 0xffffffff) {
        entry.size = u64(view, p);
        p += 8;
      }
      if (entry.compressedSize === 0xffffffff) {
        entry.compressedSize = u64(view, p);
        p += 8;
      }
      if (entry.localOffset === 0xffffffff) entry.localOffset = u64(view, p);
    }
    at += 4 + len;
  }
}

function centralEntries(view: DataView, bytes: Uint8Array, file: string): CentralEntry[] {
  const { offset, count } = directory(view, file);
  const entries: CentralEntry[] = [];
  const decoder = new TextDecoder();
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > view.byteLength || view.getUint32(at, true) !== SIG_CENTRAL) {
      throw new WeightsError(`${file}: zip central directory entry ${i} is damaged (byte ${at})`, { file });
    }
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    const entry: CentralEntry = {
      name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLen)),
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
    };
    applyZip64(entry, view, at + 46 + nameLen, at + 46 + nameLen + extraLen);
    entries.push(entry);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function entryData(entry: CentralEntry, view: DataView, bytes: Uint8Array, file: string): Uint8Array {
  const where = `${file}: zip entry '${entry.name}'`;
  if (entry.flags & 1) throw new WeightsError(`${where} is encrypted`, { file, key: entry.name });
  const local = entry.localOffset;
  if (local + 30 > view.byteLength || view.getUint32(local, true) !== SIG_LOCAL) {
    throw new WeightsError(`${where} has no local header at byte ${local} (truncated or damaged file)`, { file, key: entry.name });
  }
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.byteLength) {
    throw new WeightsError(`${where} ends at byte ${end}, past the end of the ${bytes.byteLength}-byte file (truncated?)`, {
      file,
      key: entry.name,
    });
  }
  let data: Uint8Array;
  if (entry.method === 0) data = bytes.subarray(start, end);
  else if (entry.method === 8) data = zlib.inflateRawSync(bytes.subarray(start, end));
  else throw new WeightsError(`${where} uses zip compression method ${entry.method} (only stored and deflate are read)`, { file, key: entry.name });
  if (data.byteLength !== entry.size || zlib.crc32(data) >>> 0 !== entry.crc) {
    throw new WeightsError(`${where} fails its CRC-32 / size check (damaged file)`, { file, key: entry.name });
  }
  return data;
}

/** Every entry of a zip archive by name. Stored entries are views of `bytes` (treat them as read-only). */
export function readZip(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, Uint8Array>();
  for (const entry of centralEntries(view, bytes, file)) out.set(entry.name, entryData(entry, view, bytes, file));
  return out;
}
