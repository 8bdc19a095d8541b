/**
 * Decode + resize throughput of the data pipeline (sharp, no cache) against PIL doing the same work, in the same
 * run: the 271 prepared COVID images (256 px grayscale PNG) to 224 x 224 grayscale.
 *   npx tsx bench/image-decode.ts [--size 224] [--repeats 3]
 * Ours runs through `decodeAndFit` (what the pipeline does on a cache miss) (decode -> grayscale -> fit 'stretch' -> resize, libvips on libuv's thread
 * pool, several images in flight); PIL runs single-threaded, as one torchvision DataLoader worker would.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { loadDataset } from '../lib/data';
import { mkdtempSync, rmSync } from 'node:fs';
import { ImageCache } from '../lib/data';
import { decodeAndFit, loadBaseImage } from '../lib/data/image/pipeline';

const SHARED = process.env.RETHINK_SHARED ?? path.resolve(__dirname, '../../shared');
const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const size = arg('size', 224);
const repeats = arg('repeats', 3);
const inFlight = arg('in-flight', 8);

async function ours(files: string[]): Promise<number[]> {
  const seconds: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) await decodeAndFit(files[next++]!, size, 'stretch');
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return seconds;
}

/** Later epochs: the same images read back from the disk cache (filled by a first pass, not timed). */
async function cached(files: string[]): Promise<number[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rethink-bench-cache-'));
  try {
    const cache = new ImageCache(dir);
    for (const f of files) await loadBaseImage({ kind: 'file', path: f }, size, 'stretch', cache);
    const seconds: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = process.hrtime.bigint();
      await Promise.all(files.map((f) => loadBaseImage({ kind: 'file', path: f }, size, 'stretch', cache)));
      seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pil(files: string[]): { seconds: number[] } {
  const res = spawnSync('/usr/bin/python3', [path.join(__dirname, 'image-decode-pil.py'), String(size), String(repeats)], {
    input: files.join('\n'),
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`PIL peer failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim()) as { seconds: number[] };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const ds = await loadDataset('covid-cohen', { root: path.join(SHARED, 'data', 'covid-chestxray-cohen-256') });
  const files = ds.items.map((it) => (it.image.kind === 'file' ? it.image.path : ''));
  await ours(files.slice(0, 20)); // warm up sharp and the page cache
  pil(files.slice(0, 1));
  const a = await ours(files);
  const b = pil(files).seconds;
  const c = await cached(files);
  const oursRate = files.length / median(a);
  const pilRate = files.length / median(b);
  console.log(`image decode + grayscale + resize to ${size}px, ${files.length} COVID PNGs (256 px), median of ${repeats}`);
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), SHARED with other jobs: timings are indicative`);
  console.log(`sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}, ${inFlight} images in flight, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 4}`);
  console.log(`  ours (sharp, no cache): ${oursRate.toFixed(0).padStart(6)} images/s   runs ${a.map((s) => s.toFixed(3)).join(' ')} s`);
  console.log(`  PIL  (1 thread)       : ${pilRate.toFixed(0).padStart(6)} images/s   runs ${b.map((s) => s.toFixed(3)).join(' ')} s`);
  console.log(`  ratio ours / PIL      : ${(oursRate / pilRate).toFixed(2)}x   (target >= 2x)`);
  console.log(`  ours, disk-cache hit  : ${(files.length / median(c)).toFixed(0).padStart(6)} images/s   (epochs after the first; no decode)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
