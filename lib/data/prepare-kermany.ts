/**
 * `rethink-tl prepare kermany-pneumonia`: builds the prepared folder (labels.csv, images/, SHA256SUMS) from
 * - the pinned public copy (default): each file downloaded from its raw URL at the pinned commit, sha256 checked,
 *   bytes kept unchanged;
 * - a local copy of that pinned folder or repository (`from`): the same files, the same checks, no network;
 * - the original Mendeley release (`fromRelease`): full-resolution JPEGs squashed to 224 x 224 as the pinned copy
 *   was. Those pixels differ from the pinned copy's (another resampler and JPEG encoder), so the folder's
 *   labels.csv carries the new files' sha256 and a different content hash: results on it are a different dataset
 *   identity, as they should be.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { ConfigError, DataError } from '../errors';
import { type CsvRow, readCsv, requireColumns } from './csv';
import { sha256Hex } from '../util/hash';
import { sha256File } from './hash';
import { loadManifest, manifestsDir } from './manifest';
import { requireInsideRoot } from './paths';
import { type FetchBytes, writeAtomic, writeSha256Sums } from './prepare-covid';

export interface PrepareKermanyOptions {
  /** The folder to create. */
  out: string;
  /** A local copy of the pinned folder (images/...) or of the pinned repository (dataset/...). */
  from?: string;
  /** A local copy of the original release (chest_xray/{train,test,val}/{NORMAL,PNEUMONIA}/*.jpeg). */
  fromRelease?: string;
  fetch?: FetchBytes;
  /** Parallel downloads or conversions (default 4). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PrepareKermanyResult {
  out: string;
  written: number;
  /** Files already present with the right bytes (a rerun after an interruption). */
  reused: number;
  downloaded: number;
  /** fromRelease only: release images not in the pinned list (the release's 16-image val folder), by path. */
  unlisted: string[];
}

/** Side of the prepared images: the pinned copy's resize script wrote 224 x 224. */
export const KERMANY_SIDE = 224;

interface Listing {
  file: string;
  rows: CsvRow[];
  raw: Buffer;
}

interface ListingSource {
  /** The CSV listing every file (the committed data-manifests copy, or a test's own). */
  file: string;
  /** Its expected sha256, when pinned by the manifest. */
  sha256: string | null;
  rawBaseUrl: string;
}

/** The manifest's pinned listing and raw URL prefix. */
export function pinnedListingSource(): ListingSource {
  const { manifest } = loadManifest('kermany-pneumonia');
  if (manifest.obtain.method !== 'automatic') throw new ConfigError('kermany-pneumonia manifest: obtain.method must be automatic');
  const { source, fileList } = manifest.obtain;
  return { file: path.join(manifestsDir(), fileList.path), sha256: fileList.sha256, rawBaseUrl: source.rawBaseUrl };
}

async function readListing(source: ListingSource): Promise<Listing> {
  if (source.sha256 !== null) {
    const actual = await sha256File(source.file);
    if (actual !== source.sha256) {
      throw new DataError(`${source.file}: sha256 ${actual} does not match the manifest's ${source.sha256}`, { file: source.file, field: 'fileList.sha256' });
    }
  }
  const table = readCsv(source.file);
  requireColumns(table, ['filename', 'source_path', 'sha256']);
  return { file: source.file, rows: table.rows, raw: table.raw };
}

/** Runs `task` over `items` with at most `concurrency` in flight, reporting progress after each. */
async function forEachLimited<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>, onDone: () => void): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      await task(items[next++]!);
      onDone();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

function rowWhere(listing: Listing, row: CsvRow): string {
  return `${listing.file}, row ${row.line}`;
}

async function hasExpectedBytes(file: string, sha256: string): Promise<boolean> {
  return existsSync(file) && (await sha256File(file)) === sha256;
}

function mismatch(listing: Listing, row: CsvRow, what: string, expected: string, actual: string): DataError {
  return new DataError(`${rowWhere(listing, row)}, field "sha256": checksum mismatch for ${what}: expected ${expected}, got ${actual}`, {
    file: listing.file,
    row: row.line,
    field: 'sha256',
  });
}

/** The pinned bytes of one row: from a local copy when given, else downloaded. */
async function pinnedBytes(listing: Listing, row: CsvRow, from: string | undefined, url: string, fetchBytes: FetchBytes): Promise<Uint8Array> {
  if (from === undefined) return fetchBytes(url);
  const candidates = [row.values['filename']!, row.values['source_path']!].map((rel) => path.join(from, rel));
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new DataError(`${rowWhere(listing, row)}: ${row.values['filename']} not found in ${from} (tried ${candidates.join(', ')})`, {
      file: listing.file,
      row: row.line,
      field: 'filename',
    });
  }
  return readFile(found);
}

const defaultFetch: FetchBytes = async (url) => {
  const res = await fetch(url);
  if (!res.ok) throw new DataError(`${url}: download failed (HTTP ${res.status})`, { file: url });
  return new Uint8Array(await res.arrayBuffer());
};

async function preparePinned(options: PrepareKermanyOptions, listing: Listing, rawBaseUrl: string): Promise<PrepareKermanyResult> {
  const out = path.resolve(options.out);
  const from = options.from === undefined ? undefined : path.resolve(options.from);
  const fetchBytes = options.fetch ?? defaultFetch;
  let reused = 0;
  let downloaded = 0;
  let done = 0;
  await forEachLimited(listing.rows, options.concurrency ?? 4, async (row) => {
    const expected = row.values['sha256']!;
    const target = requireInsideRoot(out, row.values['filename']!, { file: listing.file, row: row.line, field: 'filename' });
    if (await hasExpectedBytes(target, expected)) {
      reused++;
      return;
    }
    const url = rawBaseUrl + row.values['source_path']!.split('/').map(encodeURIComponent).join('/');
    const bytes = await pinnedBytes(listing, row, from, url, fetchBytes);
    if (from === undefined) downloaded++;
    const actual = sha256Hex(bytes);
    if (actual !== expected) throw mismatch(listing, row, from === undefined ? url : row.values['filename']!, expected, actual);
    await writeAtomic(target, bytes);
  }, () => options.onProgress?.(++done, listing.rows.length));
  await writeAtomic(path.join(out, 'labels.csv'), listing.raw);
  await writeSha256Sums(out, ['labels.csv', ...listing.rows.map((r) => r.values['filename']!)]);
  return { out, written: listing.rows.length, reused, downloaded, unlisted: [] };
}

/** The release's folder holding train/ and test/: the given one, or its chest_xray/ child. */
function releaseRoot(fromRelease: string): string {
  const root = path.resolve(fromRelease);
  for (const candidate of [root, path.join(root, 'chest_xray')]) {
    if (existsSync(path.join(candidate, 'train')) && existsSync(path.join(candidate, 'test'))) return candidate;
  }
  throw new ConfigError(`--from-release ${root}: expected the release's train/ and test/ folders there or under chest_xray/`, { field: 'fromRelease' });
}

function listJpegs(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    if (statSync(full).isDirectory()) return listJpegs(full, rel);
    return /\.jpe?g$/i.test(name) ? [rel] : [];
  });
}

/** A full-resolution release image squashed to the pinned copy's 224 x 224 RGB JPEG (Pillow's defaults: bicubic, quality 75). */
export async function squashReleaseImage(bytes: Uint8Array, label: string): Promise<Buffer> {
  try {
    return await sharp(bytes).rotate().removeAlpha().toColourspace('srgb')
      .resize(KERMANY_SIDE, KERMANY_SIDE, { fit: 'fill', kernel: 'cubic' })
      .jpeg({ quality: 75 })
      .toBuffer();
  } catch (error) {
    throw new DataError(`${label}: cannot decode image (${(error as Error).message})`, { file: label });
  }
}

/** Rewrites one CSV column for the given rows (by line), keeping every other byte of the file. */
function withColumn(raw: Buffer, column: string, byLine: Map<number, string>): string {
  const lines = raw.toString('utf8').split('\n');
  const header = lines[0]!.split(',');
  const index = header.indexOf(column);
  return lines
    .map((line, i) => {
      const value = byLine.get(i + 1);
      if (value === undefined) return line;
      const cells = line.split(',');
      cells[index] = value;
      return cells.join(',');
    })
    .join('\n');
}

async function prepareFromRelease(options: PrepareKermanyOptions, listing: Listing): Promise<PrepareKermanyResult> {
  const out = path.resolve(options.out);
  const root = releaseRoot(options.fromRelease!);
  const listed = new Set(listing.rows.map((r) => r.values['source_path']!.replace(/^dataset\//, '')));
  const unlisted = listJpegs(root).filter((rel) => !listed.has(rel));
  const hashes = new Map<number, string>();
  let done = 0;
  await forEachLimited(listing.rows, options.concurrency ?? 4, async (row) => {
    const rel = row.values['source_path']!.replace(/^dataset\//, '');
    const source = path.join(root, rel);
    if (!existsSync(source)) {
      throw new DataError(`${rowWhere(listing, row)}: ${rel} is not in the release folder ${root}`, { file: listing.file, row: row.line, field: 'source_path' });
    }
    const jpeg = await squashReleaseImage(await readFile(source), source);
    const target = requireInsideRoot(out, row.values['filename']!, { file: listing.file, row: row.line, field: 'filename' });
    await writeAtomic(target, jpeg);
    hashes.set(row.line, sha256Hex(jpeg));
  }, () => options.onProgress?.(++done, listing.rows.length));
  await mkdir(out, { recursive: true });
  await writeAtomic(path.join(out, 'labels.csv'), withColumn(listing.raw, 'sha256', hashes));
  await writeAtomic(
    path.join(out, 'PROVENANCE.txt'),
    `Built by rethink-tl prepare kermany-pneumonia --from-release ${root}\n` +
      `Each listed release image squashed to ${KERMANY_SIDE} x ${KERMANY_SIDE} (sharp cubic, JPEG quality 75). Pixels differ from the\n` +
      `pinned copy's (Pillow); labels.csv's sha256 column holds these files' hashes. Release images not used: ${unlisted.length}.\n`,
  );
  await writeSha256Sums(out, ['labels.csv', 'PROVENANCE.txt', ...listing.rows.map((r) => r.values['filename']!)]);
  return { out, written: listing.rows.length, reused: 0, downloaded: 0, unlisted };
}

/** Builds the prepared Kermany folder (see the file comment for the three sources). */
export function prepareKermanyPneumonia(options: PrepareKermanyOptions): Promise<PrepareKermanyResult> {
  return prepareKermanyFromListing(pinnedListingSource(), options);
}

/** The same from any listing in the labels.csv format (tests, or a mirror of the pinned repository). */
export async function prepareKermanyFromListing(source: ListingSource, options: PrepareKermanyOptions): Promise<PrepareKermanyResult> {
  if (options.from !== undefined && options.fromRelease !== undefined) {
    throw new ConfigError('prepare kermany-pneumonia: give --from or --from-release, not both', { field: 'from' });
  }
  const listing = await readListing(source);
  if (options.fromRelease !== undefined) return prepareFromRelease(options, listing);
  return preparePinned(options, listing, source.rawBaseUrl);
}
