import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { ConfigError, DataError } from '../errors';
import { readCsv, requireColumns } from './csv';
import { sha256Hex } from '../util/hash';
import { sha256File } from './hash';
import { decodeToGray } from './image/decode';
import { loadManifest, manifestsDir } from './manifest';
import { requireInsideRoot } from './paths';

/** Fetches the bytes at a URL. Injectable so tests (and offline mirrors) can supply local bytes. */
export type FetchBytes = (url: string) => Promise<Uint8Array>;

/** One source image to download, check and process. */
export interface SourceFile {
  url: string;
  sha256: string;
  /** Output path inside the prepared folder, e.g. images/cxr-001353cd14d3.png. */
  output: string;
  /** For error messages: the listing file and row the entry came from. */
  listedIn?: { file: string; row: number };
}

export const PREPARED_SIDE = 256;

/**
 * The COVID set's per-image processing (README "Processing"): EXIF orientation, 8-bit grayscale (alpha onto
 * black, PIL luma, 16-bit min-max), shorter side to 256 with Lanczos, centre crop 256 x 256, PNG.
 * libvips' lanczos3 is not bit-identical to PIL's LANCZOS: expect differences of a few grey levels.
 */
export async function processSourceImage(bytes: Uint8Array, label = 'image'): Promise<Buffer> {
  const gray = await decodeToGray(bytes, label);
  return sharp(gray.data, { raw: { width: gray.width, height: gray.height, channels: 1 } })
    .resize(PREPARED_SIDE, PREPARED_SIDE, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
    .toColourspace('b-w')
    .png({ compressionLevel: 9 })
    .toBuffer();
}

export interface PrepareOptions {
  /** The folder to create (images/, labels.csv, SHA256SUMS). */
  out: string;
  /** Downloaded source bytes are kept here by sha256, so a rerun downloads nothing (default: <out>/.sources). */
  cacheDir?: string;
  fetch?: FetchBytes;
  /** Parallel downloads (default 4). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PrepareResult {
  out: string;
  written: number;
  downloaded: number;
}

const defaultFetch: FetchBytes = async (url) => {
  const res = await fetch(url);
  if (!res.ok) throw new DataError(`${url}: download failed (HTTP ${res.status})`, { file: url });
  return new Uint8Array(await res.arrayBuffer());
};

/**
 * Downloads each source file (or takes it from cacheDir), checks its sha256, processes it and writes the output.
 * A checksum mismatch is a DataError naming the URL and the listing row: the bytes are not the pinned ones.
 */
export async function prepareFromSources(files: SourceFile[], options: PrepareOptions): Promise<PrepareResult> {
  const out = path.resolve(options.out);
  const cacheDir = path.resolve(options.cacheDir ?? path.join(out, '.sources'));
  const fetchBytes = options.fetch ?? defaultFetch;
  await mkdir(cacheDir, { recursive: true });
  let downloaded = 0;
  let done = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      const where = file.listedIn ? `${file.listedIn.file}, row ${file.listedIn.row}` : file.url;
      const target = requireInsideRoot(out, file.output, { file: file.listedIn?.file, row: file.listedIn?.row, field: 'output' });
      const cached = path.join(cacheDir, file.sha256);
      let bytes: Uint8Array | undefined;
      if (existsSync(cached) && (await sha256File(cached)) === file.sha256) bytes = await readFile(cached);
      if (!bytes) {
        bytes = await fetchBytes(file.url);
        downloaded++;
        const actual = sha256Hex(bytes);
        if (actual !== file.sha256) {
          throw new DataError(`${where}, field "source_sha256": checksum mismatch for ${file.url}: expected ${file.sha256}, got ${actual}`, {
            file: file.listedIn?.file ?? file.url,
            row: file.listedIn?.row,
            field: 'source_sha256',
            url: file.url,
          });
        }
        await writeAtomic(cached, bytes);
      }
      const png = await processSourceImage(bytes, file.url);
      await mkdir(path.dirname(target), { recursive: true });
      await writeAtomic(target, png);
      options.onProgress?.(++done, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, files.length)) }, worker));
  return { out, written: files.length, downloaded };
}

/**
 * The project's own path to the prepared COVID folder: the source images listed in the committed labels file,
 * from raw URLs pinned to the upstream commit, each checked against its source_sha256. Writes images/,
 * labels.csv (the committed copy) and SHA256SUMS.
 */
export async function prepareCovidCohen(options: PrepareOptions): Promise<PrepareResult> {
  const { manifest } = loadManifest('covid-cohen');
  if (manifest.obtain.method !== 'automatic') throw new ConfigError('covid-cohen manifest: obtain.method must be automatic');
  const { source, fileList } = manifest.obtain;
  const listFile = path.join(manifestsDir(), fileList.path);
  const listHash = await sha256File(listFile);
  if (listHash !== fileList.sha256) {
    throw new DataError(`${listFile}: sha256 ${listHash} does not match the manifest's ${fileList.sha256}`, { file: listFile, field: 'fileList.sha256' });
  }
  const table = readCsv(listFile);
  requireColumns(table, [fileList.sourcePathColumn, fileList.sha256Column, fileList.outputPathColumn]);
  const files: SourceFile[] = table.rows.map((row) => ({
    url: source.rawBaseUrl + encodeURIComponent(row.values[fileList.sourcePathColumn]!).replace(/%2F/g, '/'),
    sha256: row.values[fileList.sha256Column]!,
    output: row.values[fileList.outputPathColumn]!,
    listedIn: { file: listFile, row: row.line },
  }));
  const result = await prepareFromSources(files, options);
  const out = path.resolve(options.out);
  await writeAtomic(path.join(out, 'labels.csv'), table.raw);
  await writeSha256Sums(out, ['labels.csv', ...files.map((f) => f.output)]);
  return result;
}

/** Writes SHA256SUMS (sha256sum format) for the given files relative to root. */
export async function writeSha256Sums(root: string, files: string[]): Promise<void> {
  const lines: string[] = [];
  for (const rel of [...files].sort()) lines.push(`${await sha256File(path.join(root, rel))}  ${rel}`);
  await writeAtomic(path.join(root, 'SHA256SUMS'), `${lines.join('\n')}\n`);
}

export interface VerifyResult {
  checked: number;
  /** Listed files left out by the `skip` option. */
  skipped: string[];
}

export interface VerifyOptions {
  /** Files (paths as listed) not to check, e.g. documentation edited after the sums were written. */
  skip?: (relativePath: string) => boolean;
}

/**
 * Checks every file listed in root/SHA256SUMS (as `sha256sum -c` would). Throws a DataError naming the first
 * missing or changed file and its line.
 */
export async function verifyPreparedFolder(root: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const sumsFile = path.join(path.resolve(root), 'SHA256SUMS');
  let text: string;
  try {
    text = await readFile(sumsFile, 'utf8');
  } catch {
    throw new DataError(`${sumsFile}: missing; cannot verify the prepared folder`, { file: sumsFile });
  }
  const lines = text.split('\n');
  let checked = 0;
  const skipped: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new DataError(`${sumsFile}, row ${i + 1}: not a sha256sum line`, { file: sumsFile, row: i + 1 });
    const [, expected, rel] = m as unknown as [string, string, string];
    if (options.skip?.(rel)) {
      skipped.push(rel);
      continue;
    }
    const file = requireInsideRoot(root, rel, { file: sumsFile, row: i + 1 });
    let actual: string;
    try {
      actual = await sha256File(file);
    } catch {
      throw new DataError(`${sumsFile}, row ${i + 1}: ${rel} is missing`, { file: rel, row: i + 1 });
    }
    if (actual !== expected) {
      throw new DataError(`${sumsFile}, row ${i + 1}: checksum mismatch for ${rel} (expected ${expected}, got ${actual})`, {
        file: rel,
        row: i + 1,
        field: 'sha256',
      });
    }
    checked++;
  }
  return { checked, skipped };
}

/** Writes through a temporary file and a rename, so a killed prepare never leaves a half-written file. */
export async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}
