/**
 * PyTorch's storage/tensor split: a storage is a flat typed buffer (one zip record, or one block of the legacy
 * data section), a tensor is a view of it (element offset, shape, strides). Several tensors may view one
 * storage, at different offsets and with any strides (transposes, slices, stride-0 expansions).
 * `materialise` turns a view into a C-contiguous `TensorEntry`.
 */
import { WeightsError } from '../../../errors';
import { DTYPE_BYTES, type TensorDtype, type TensorEntry } from '../tensor-entry';

/** `torch.<Name>Storage` (also `torch.cuda.<Name>Storage`) -> dtype. */
export const STORAGE_DTYPES: Record<string, TensorDtype> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
  UntypedStorage: 'U8',
};

/** The value a `torch.FloatStorage` global stands for in a persistent id. */
export class StorageType {
  constructor(
    readonly name: string,
    readonly dtype: TensorDtype,
  ) {}
}

export class TorchStorage {
  /** Set by the format reader once it has the storage's bytes. */
  bytes: Uint8Array | null = null;
  private aligned: Uint8Array | null = null;

  constructor(
    readonly key: string,
    readonly dtype: TensorDtype,
    /** Elements (not bytes). */
    readonly numel: number,
    /** Legacy files only: a storage that is a slice of another one (offset in elements). */
    readonly base: { storage: TorchStorage; offset: number } | null = null,
  ) {}

  /** The storage's bytes, aligned to its element size, checked against its declared size. */
  data(file: string): Uint8Array {
    if (this.aligned) return this.aligned;
    const es = DTYPE_BYTES[this.dtype];
    const need = this.numel * es;
    const raw = this.base
      ? this.base.storage.data(file).subarray(this.base.offset * es, this.base.offset * es + need)
      : this.bytes;
    if (!raw) throw new WeightsError(`${file}: storage '${this.key}' has no data in the file`, { file, key: this.key });
    if (raw.byteLength < need) {
      throw new WeightsError(
        `${file}: storage '${this.key}' holds ${raw.byteLength} bytes, its header says ${need} (truncated file?)`,
        { file, key: this.key },
      );
    }
    this.aligned = raw.byteOffset % es === 0 ? raw : new Uint8Array(raw); // a copy (Buffer#slice would not copy)
    return this.aligned;
  }
}

/** A tensor as `torch._utils._rebuild_tensor_v2` describes it. */
export class StridedTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function checkGeometry(t: StridedTensor, key: string, file: string): void {
  const { shape, stride, offset } = t;
  if (!isIndex(offset) || !shape.every(isIndex) || !stride.every(isIndex) || shape.length !== stride.length) {
    throw new WeightsError(
      `${file}: tensor '${key}' has an invalid view (offset ${String(offset)}, shape [${shape.join(',')}], stride [${stride.join(',')}])`,
      { file, key },
    );
  }
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

type Words = Uint8Array | Uint16Array | Uint32Array;

/**
 * Copy a strided view (rank >= 1) row by row along its last dimension; an element is `w` words. The other
 * dimensions advance like an odometer.
 */
function gather(src: Words, dst: Words, w: number, t: StridedTensor, numel: number): void {
  const { shape, stride } = t;
  const last = shape.length - 1;
  const n = shape[last]!;
  const step = stride[last]! * w;
  const index = new Array<number>(last).fill(0);
  let s = t.offset;
  for (let out = 0; out < numel * w; ) {
    for (let j = 0, from = s * w; j < n; j++, from += step) {
      for (let k = 0; k < w; k++) dst[out++] = src[from + k]!;
    }
    for (let d = last - 1; d >= 0; d--) {
      index[d]!++;
      s += stride[d]!;
      if (index[d]! < shape[d]!) break;
      s -= stride[d]! * shape[d]!;
      index[d] = 0;
    }
  }
}

function wordsOf(bytes: Uint8Array, es: number): Words {
  const { buffer, byteOffset, byteLength } = bytes;
  if (es === 1) return bytes;
  if (es === 2) return new Uint16Array(buffer, byteOffset, byteLength / 2);
  return new Uint32Array(buffer, byteOffset, byteLength / 4);
}

/** The tensor's values as a C-contiguous entry (a view of the storage when the tensor already is one). */
export function materialise(t: StridedTensor, key: string, file: string): TensorEntry {
  checkGeometry(t, key, file);
  const { dtype } = t.storage;
  const es = DTYPE_BYTES[dtype];
  const shape = [...t.shape];
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel === 0) return { dtype, shape, bytes: new Uint8Array(0) };
  const data = t.storage.data(file);
  const last = t.offset + shape.reduce((sum, n, d) => sum + (n - 1) * t.stride[d]!, 0);
  if (last >= data.byteLength / es) {
    throw new WeightsError(
      `${file}: tensor '${key}' reads element ${last} of storage '${t.storage.key}', which has ${data.byteLength / es}`,
      { file, key },
    );
  }
  if (isContiguous(shape, t.stride)) {
    return { dtype, shape, bytes: data.subarray(t.offset * es, (t.offset + numel) * es) };
  }
  const out = new Uint8Array(numel * es);
  gather(wordsOf(data, es), wordsOf(out, es), Math.max(1, es / 4), t, numel);
  return { dtype, shape, bytes: out };
}
