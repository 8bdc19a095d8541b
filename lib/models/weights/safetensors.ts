/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian u64 header length N, N bytes of
 * UTF-8 JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`, then the
 * raw little-endian C-order tensor bytes, offsets relative to the first byte after the header.
 */
import * as fs from 'node:fs';
import { WeightsError } from '../../errors';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** The tensor's raw bytes (a copy, aligned to its own buffer). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  path: string;
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

/** What `writeSafetensors` accepts per tensor. F32 from a Float32Array, I64 from a BigInt64Array. */
export type WritableTensor =
  | { dtype?: 'F32'; shape: number[]; data: Float32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array };

const MAX_HEADER_BYTES = 100 * 1024 * 1024; // the reference implementation's own limit

export function readSafetensors(path: string): SafetensorsFile {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (e) {
    throw new WeightsError(`cannot read safetensors file ${path}: ${(e as Error).message}`, { file: path });
  }
  return parseSafetensors(buf, path);
}

export function parseSafetensors(buf: Uint8Array, path = '<memory>'): SafetensorsFile {
  if (buf.byteLength < 8) throw new WeightsError(`${path}: not a safetensors file (shorter than 8 bytes)`, { file: path });
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(MAX_HEADER_BYTES, buf.byteLength - 8))) {
    throw new WeightsError(`${path}: header length ${headerLen} does not fit a ${buf.byteLength}-byte file`, { file: path });
  }
  const n = Number(headerLen);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch (e) {
    throw new WeightsError(`${path}: header is not valid UTF-8 JSON (${(e as Error).message})`, { file: path });
  }
  const dataStart = 8 + n;
  const dataLen = buf.byteLength - dataStart;
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [key, raw] of Object.entries(header)) {
    if (key === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const info = raw as { dtype?: string; shape?: unknown; data_offsets?: unknown };
    const dtype = info.dtype as SafetensorsDtype;
    if (!(dtype in DTYPE_BYTES)) {
      throw new WeightsError(`${path}: tensor '${key}' has unsupported dtype ${String(info.dtype)}`, { file: path, key });
    }
    const shape = info.shape;
    const offsets = info.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new WeightsError(`${path}: tensor '${key}' has an invalid shape ${JSON.stringify(shape)}`, { file: path, key });
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new WeightsError(`${path}: tensor '${key}' has invalid data_offsets ${JSON.stringify(offsets)}`, { file: path, key });
    }
    const [begin, end] = offsets as [number, number];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    if (end < begin || end > dataLen || end - begin !== expected) {
      throw new WeightsError(
        `${path}: tensor '${key}' (${dtype} [${shape.join(',')}]) has data_offsets [${begin},${end}] ` +
          `but needs ${expected} bytes within a ${dataLen}-byte data section`,
        { file: path, key },
      );
    }
    tensors.set(key, { dtype, shape: shape as number[], bytes: buf.slice(dataStart + begin, dataStart + end) });
  }
  return { path, tensors, metadata };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Float32 values of a floating-point tensor (F32 as is; F16, BF16 and F64 converted). */
export function toFloat32(entry: SafetensorsEntry, key = '<tensor>', path = '<memory>'): Float32Array {
  const { bytes, dtype } = entry;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
      const out = new Float32Array(bytes.byteLength / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(bytes.byteLength / 8);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(bytes.byteLength / 2);
      for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(bytes.byteLength / 2);
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) u32[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    default:
      throw new WeightsError(`${path}: tensor '${key}' is ${dtype}, expected a floating-point dtype`, { file: path, key });
  }
}

/** Write tensors (in the given order) as a safetensors file. The header is space-padded to 8-byte alignment. */
export function writeSafetensors(
  path: string,
  tensors: Record<string, WritableTensor> | Map<string, WritableTensor>,
  metadata?: Record<string, string>,
): void {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [key, t] of entries) {
    const dtype = t.dtype ?? 'F32';
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) {
      throw new WeightsError(`writeSafetensors: '${key}' has ${t.data.length} values for shape [${t.shape.join(',')}]`, {
        file: path,
        key,
      });
    }
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    if (!LITTLE_ENDIAN) throw new WeightsError('writeSafetensors: big-endian hosts are not supported', { file: path });
    header[key] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf-8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  const fd = fs.openSync(path, 'w');
  try {
    fs.writeSync(fd, len);
    fs.writeSync(fd, headerBytes);
    for (const c of chunks) fs.writeSync(fd, c);
  } finally {
    fs.closeSync(fd);
  }
}
