/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian u64 header length N, N bytes of
 * UTF-8 JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`, then the
 * raw little-endian C-order tensor bytes, offsets relative to the first byte after the header.
 */
import * as fs from 'node:fs';
import { WeightsError } from '../../errors';
import { readWeightsFile } from './read-file';
import { DTYPE_BYTES, LITTLE_ENDIAN, type TensorDtype, type TensorEntry } from './tensor-entry';

export { toFloat32 } from './tensor-entry';
export type SafetensorsDtype = TensorDtype;
/** A tensor of a safetensors file (its bytes view the file buffer). */
export type SafetensorsEntry = TensorEntry;

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
  return parseSafetensors(readWeightsFile(path, 'safetensors file'), path);
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
