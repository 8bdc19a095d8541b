/** Minimal reader for the ustar archives npm publishes (regular files only; enough for `npm pack` tarballs). */
import { gunzipSync } from 'fflate';
import { WeightsError } from '../../errors';

export interface TarFile {
  name: string;
  data: Uint8Array;
}

function field(block: Uint8Array, start: number, len: number): string {
  const bytes = block.subarray(start, start + len);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end >= 0 ? bytes.subarray(0, end) : bytes);
}

/** Regular files of a .tgz whose names pass `want` (names as stored, e.g. `package/ResNet50/model.json`). */
export function readTgz(tgz: Uint8Array, source: string, want: (name: string) => boolean): TarFile[] {
  let tar: Uint8Array;
  try {
    tar = gunzipSync(tgz);
  } catch (e) {
    throw new WeightsError(`${source} is not a gzip file: ${(e as Error).message}`, { file: source });
  }
  const files: TarFile[] = [];
  let off = 0;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const name = field(header, 0, 100);
    const prefix = field(header, 345, 155);
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    if (!Number.isFinite(size)) throw new WeightsError(`${source}: corrupt tar header at byte ${off}`, { file: source });
    const full = prefix ? `${prefix}/${name}` : name;
    const dataStart = off + 512;
    if ((type === '0' || type === '\0') && want(full)) files.push({ name: full, data: tar.slice(dataStart, dataStart + size) });
    off = dataStart + Math.ceil(size / 512) * 512;
  }
  return files;
}
