/**
 * Per-stage cost of the JS PNG fast path (png-gray8.ts + resize.ts) on the prepared COVID PNGs, in-thread:
 *   npx tsx bench/image-decode-stages.ts [--size 224] [--repeats 15]
 * Each stage runs over all fast-path files in a loop of its own (inputs prepared by the previous stage), so the
 * figures are per-image wall microseconds of that stage alone, for the WebAssembly kernels (gray8-wasm.ts) the
 * pipeline uses and for the typed-array loops it falls back to; the last row is the pipeline's fast path on
 * bytes already in memory (decodePngGray8Transient + fitSquareGray8), without the file read.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { loadDataset } from '../lib/data';
import { decodePngGray8Transient, inflateGray8, readPngGray8, unfilterGray8, unfilterInKernelMemory, type PngGray8Source } from '../lib/kernels/image/png-gray8';
import { fitSquareGray8, resizeBilinearGray8, resizeKernelFor } from '../lib/kernels/image/resize';

const SHARED = process.env.RETHINK_SHARED ?? path.resolve(__dirname, '../../shared');
const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const size = arg('size', 224);
const repeats = arg('repeats', 15);

function stage(name: string, n: number, run: () => void): number {
  run();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - t0) / 1e3 / n);
  }
  times.sort((a, b) => a - b);
  const us = times[Math.floor(times.length / 2)]!;
  console.log(`  ${name.padEnd(30)} ${us.toFixed(1).padStart(7)} us/img   (min ${times[0]!.toFixed(1)})`);
  return us;
}

async function main(): Promise<void> {
  const ds = await loadDataset('covid-cohen', { root: path.join(SHARED, 'data', 'covid-chestxray-cohen-256') });
  const all = ds.items.map((it) => (it.image.kind === 'file' ? it.image.path : ''));
  const files = all.filter((f) => readPngGray8(readFileSync(f), f) !== undefined);
  const n = files.length;
  const bytes = files.map((f) => readFileSync(f));
  const sources = bytes.map((b, i) => readPngGray8(b, files[i]!)!);
  const raws = sources.map((s, i) => inflateGray8(s, files[i]!));
  const grays = raws.map((r, i) => ({ width: sources[i]!.width, height: sources[i]!.height, data: unfilterGray8(r, sources[i]!.width, sources[i]!.height, files[i]!) }));
  const filters = new Map<number, number>();
  for (const [i, r] of raws.entries()) {
    const s = sources[i]!;
    for (let y = 0; y < s.height; y++) filters.set(r[y * (s.width + 1)]!, (filters.get(r[y * (s.width + 1)]!) ?? 0) + 1);
  }
  console.log(`fast-path stages, ${n} COVID PNGs (256 px) -> ${size} px, median of ${repeats}; row filters ${[...filters].sort().map(([f, c]) => `${['None', 'Sub', 'Up', 'Avg', 'Paeth'][f]} ${((100 * c) / (n * 256)).toFixed(0)}%`).join(', ')}`);
  let sink = 0;
  const t: Record<string, number> = {};
  t.read = stage('read (readFileSync)', n, () => {
    for (const f of files) sink += readFileSync(f).length;
  });
  t.parse = stage('parse + CRC', n, () => {
    for (const [i, b] of bytes.entries()) sink += readPngGray8(b, files[i]!)!.width;
  });
  t.inflateNode = stage('inflateSync (default chunk)', n, () => {
    for (const s of sources) sink += zlib.inflateSync(s.zdata).length;
  });
  t.inflate = stage('inflate (one chunk, used)', n, () => {
    for (const [i, s] of sources.entries()) sink += inflateGray8(s as PngGray8Source, files[i]!).length;
  });
  const scratch = new Uint8Array(256 * 256 * 4);
  t.unfilterJs = stage('unfilter (JS loops)', n, () => {
    for (const [i, r] of raws.entries()) sink += unfilterGray8(r, sources[i]!.width, sources[i]!.height, files[i]!, scratch).length;
  });
  t.unfilter = stage('unfilter (wasm)', n, () => {
    for (const [i, r] of raws.entries()) sink += unfilterInKernelMemory(r, sources[i]!.width, sources[i]!.height, files[i]!)!.length;
  });
  t.resizeJs = stage(`resize -> ${size} (JS loops)`, n, () => {
    for (const g of grays) sink += resizeBilinearGray8(g, size, size, 'js').data.length;
  });
  t.resize = stage(`resize -> ${size} (${resizeKernelFor(256, 256, size, size)})`, n, () => {
    for (const g of grays) sink += fitSquareGray8(g, size, 'stretch').length;
  });
  t.total = stage('parse+inflate+unfilter+resize', n, () => {
    for (const [i, b] of bytes.entries()) sink += fitSquareGray8(decodePngGray8Transient(b, files[i]!)!, size, 'stretch').length;
  });
  if (sink < 0) console.log(sink);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
