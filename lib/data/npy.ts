import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { DataError } from '../errors';

/** A NumPy array read from .npy bytes. Integer and float data come back as the matching typed array. */
export interface NpyArray {
  dtype: string;
  shape: number[];
  data: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface NpyHeader {
  descr: string;
  shape: number[];
  dataStart: number;
}

/** The header's dtype, shape and where the data start (versions 1-3; C order only). */
function parseNpyHeader(bytes: Uint8Array, name: string): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DataError(`${name}: not a .npy file (bad magic)`, { file: name });
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major !== 1 && major !== 2 && major !== 3) throw new DataError(`${name}: unsupported .npy version ${major}`, { file: name });
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataError(`${name}: cannot parse .npy header: ${header.trim()}`, { file: name });
  }
  if (fortran === 'True') throw new DataError(`${name}: Fortran-ordered arrays are not supported`, { file: name, field: 'fortran_order' });
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  return { descr, shape, dataStart: headerStart + headerLen };
}

const ITEM_SIZE: Record<string, number> = { u1: 1, i1: 1, b1: 1, u2: 2, i2: 2, u4: 4, i4: 4, i8: 8, u8: 8, f4: 4, f8: 8 };

/** 64-bit integers (labels are often int64), narrowed to float64; a value that does not fit exactly is an error. */
function narrowInt64(buffer: ArrayBuffer, signed: boolean, count: number, name: string): Float64Array {
  const big = signed ? new BigInt64Array(buffer) : new BigUint64Array(buffer);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const v = big[i]!;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new DataError(`${name}: value ${v} at index ${i} does not fit a double`, { file: name });
    }
    out[i] = Number(v);
  }
  return out;
}

/** The data as the typed array of its kind: byte types are zero-copy views, wider types an aligned copy. */
function typedData(kind: string, body: Uint8Array, count: number, name: string): NpyArray['data'] {
  const aligned = (n: number): ArrayBuffer => body.slice(0, n).buffer as ArrayBuffer;
  switch (kind) {
    case 'u1':
    case 'b1':
      return body.subarray(0, count);
    case 'i1':
      return new Int8Array(body.buffer, body.byteOffset, count);
    case 'u2':
      return new Uint16Array(aligned(count * 2));
    case 'i2':
      return new Int16Array(aligned(count * 2));
    case 'u4':
      return new Uint32Array(aligned(count * 4));
    case 'i4':
      return new Int32Array(aligned(count * 4));
    case 'f4':
      return new Float32Array(aligned(count * 4));
    case 'f8':
      return new Float64Array(aligned(count * 8));
    default:
      return narrowInt64(aligned(count * 8), kind === 'i8', count, name);
  }
}

/** Parses the .npy format (versions 1-3, C order, little-endian or byte dtypes). `name` is used in errors. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const { descr, shape, dataStart } = parseNpyHeader(bytes, name);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(dataStart);
  const kind = descr.replace(/^[<|=]/, '');
  if (descr.startsWith('>') && !/^>[ui]1$/.test(descr)) {
    throw new DataError(`${name}: big-endian dtype ${descr} is not supported`, { file: name, field: 'descr' });
  }
  const size = ITEM_SIZE[kind];
  if (size === undefined) throw new DataError(`${name}: unsupported dtype ${descr}`, { file: name, field: 'descr' });
  if (body.length < count * size) {
    throw new DataError(`${name}: truncated data (${body.length} bytes for ${count} x ${size})`, { file: name });
  }
  return { dtype: descr, shape, data: typedData(kind, body, count, name) };
}

/** Reads the named arrays from a .npz (zip of .npy; stored or deflated entries). */
export function readNpz(file: string, keys: string[]): Record<string, NpyArray> {
  let zipped: Uint8Array;
  try {
    zipped = readFileSync(file);
  } catch (err) {
    throw new DataError(`${file}: cannot read .npz (${(err as Error).message})`, { file });
  }
  const wanted = new Set(keys.map((k) => `${k}.npy`));
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zipped, { filter: (f) => wanted.has(f.name) });
  } catch (err) {
    throw new DataError(`${file}: not a readable .npz/zip (${(err as Error).message})`, { file });
  }
  const out: Record<string, NpyArray> = {};
  for (const key of keys) {
    const entry = entries[`${key}.npy`];
    if (!entry) {
      throw new DataError(`${file}: missing array "${key}" (the .npz has: ${Object.keys(unzipSync(zipped, { filter: () => true })).join(', ')})`, {
        file,
        key,
      });
    }
    out[key] = parseNpy(entry, `${file}:${key}.npy`);
  }
  return out;
}
