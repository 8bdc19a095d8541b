/**
 * Decode + grayscale + resize throughput of the data pipeline on a cache miss against PIL doing the same work,
 * in the same run: the prepared COVID images (256 px 8-bit gray PNG) to 224 x 224 gray, fit 'stretch'.
 *   npx tsx bench/image-decode.ts [--size 224] [--repeats 5] [--in-flight 8]
 * Rows:
 * - ours: `decodeAndFit`, what the pipeline runs on the calling thread (the default, `decodeThreads: 0`): 8-bit
 *   gray non-interlaced PNGs take the fast path (png-gray8.ts: zlib `inflateSync`, then the WebAssembly unfilter
 *   kernel; resize.ts: PIL BILINEAR with the WebAssembly SIMD kernels of gray8-wasm.ts), the rest sharp (here
 *   the 8 files with an ICC profile, ~4 ms each);
 * - ours, thread-pool inflate: the same fast path with zlib's async `inflate` (libuv thread pool) instead of
 *   `inflateSync`, same images in flight: the alternative the pipeline measured against and did not pick;
 * - ours, 2-thread decode pool: `decodeAndFit` on two worker threads (decode-pool.ts), what the batch loader
 *   runs with `decodeThreads: 2` (requests of one tick batched into one message per worker, files read and
 *   decoded synchronously in the worker, pixels transferred back); CPU ms/image includes the worker threads;
 * - sharp one pass: the previous path for these files (libvips decode + resize in one call, thread pool);
 * - PIL: open + convert('L') + resize(BILINEAR), single-threaded, as one torchvision DataLoader worker does it.
 * bench/image-decode-stages.ts breaks the fast path down by stage.
 * images/s is wall clock (median run); CPU ms/image is process CPU time (all threads) per image, which stays
 * meaningful when other jobs load the machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs';
import { promisify } from 'node:util';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { createDecodePool, ImageCache, loadDataset, type DecodePool } from '../lib/data';
import { fitGray8File } from '../lib/data/image/fit';
import { decodeAndFitTraced, loadBaseImage, type DecodePath } from '../lib/data/image/pipeline';
import { decodePngGray8, readPngGray8 } from '../lib/kernels/image/png-gray8';
import { fitSquareGray8, resizeKernelFor } from '../lib/kernels/image/resize';
import { gray8Kernels } from '../lib/kernels/image/gray8-wasm';

const SHARED = process.env.RETHINK_SHARED ?? path.resolve(__dirname, '../../shared');
const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const size = arg('size', 224);
const repeats = arg('repeats', 5);
const inFlight = arg('in-flight', 8);

interface Runs {
  /** Wall seconds per repeat. */
  seconds: number[];
  /** Process CPU seconds (user + system, all threads) per repeat. */
  cpu: number[];
}

async function timed(run: () => Promise<void>): Promise<Runs> {
  const seconds: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await run();
    seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { seconds, cpu };
}

/** Runs `work` over the files with `inFlight` images in flight, as the batch loader does. */
async function pool(files: string[], work: (file: string) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) await work(files[next++]!);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

const readFileCallback = promisify(readFile);
/** Decoder counts over the full-set runs (the fast-path-only run is excluded). */
const decoders = new Map<DecodePath, number>();
const ours = (files: string[]): Promise<Runs> =>
  timed(() =>
    pool(files, async (f) => {
      const { decoder } = await decodeAndFitTraced(f, size, 'stretch');
      decoders.set(decoder, (decoders.get(decoder) ?? 0) + 1);
    }),
  );

const oursPoolInflate = (files: string[]): Promise<Runs> =>
  timed(() =>
    pool(files, async (f) => {
      const bytes = await readFileCallback(f);
      const gray = await decodePngGray8(bytes, f);
      if (gray) fitSquareGray8(gray, size, 'stretch');
      else await fitGray8File(bytes, size, 'stretch');
    }),
  );

const oursDecodePool = (files: string[], decodePool: DecodePool): Promise<Runs> => timed(() => pool(files, (f) => decodePool.decode(f, size, 'stretch')));

const sharpOnePass = (files: string[]): Promise<Runs> => timed(() => pool(files, async (f) => fitGray8File(await readFileCallback(f), size, 'stretch')));

/** Later epochs: the same images read back from the disk cache (filled by a first pass, not timed). */
async function cached(files: string[]): Promise<Runs> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rethink-bench-cache-'));
  try {
    const cache = new ImageCache(dir);
    for (const f of files) await loadBaseImage({ kind: 'file', path: f }, size, 'stretch', cache);
    return await timed(async () => {
      await Promise.all(files.map((f) => loadBaseImage({ kind: 'file', path: f }, size, 'stretch', cache)));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pil(files: string[]): Runs & { pil: string | null } {
  const res = spawnSync('/usr/bin/python3', [path.join(__dirname, 'image-decode-pil.py'), String(size), String(repeats)], {
    input: files.join('\n'),
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`PIL peer failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim()) as Runs & { pil: string | null };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const ds = await loadDataset('covid-cohen', { root: path.join(SHARED, 'data', 'covid-chestxray-cohen-256') });
  const files = ds.items.map((it) => (it.image.kind === 'file' ? it.image.path : ''));
  const n = files.length;
  // Warm up the JIT, sharp and the page cache.
  await ours(files.slice(0, 40));
  await oursPoolInflate(files.slice(0, 40));
  await sharpOnePass(files.slice(0, 20));
  const decodePool = createDecodePool({ threads: 2 });
  await oursDecodePool(files.slice(0, 80), decodePool);
  decoders.clear();
  const eligible = files.filter((f) => readPngGray8(readFileSync(f), f) !== undefined);
  const a = await ours(files);
  const counted = new Map(decoders);
  const e = await ours(eligible);
  const p = pil(files);
  const s = await oursPoolInflate(files);
  const w = await oursDecodePool(files, decodePool);
  await decodePool.close();
  const v = await sharpOnePass(files);
  const c = await cached(files);
  const rate = (r: Runs): number => n / median(r.seconds);
  const cpuMs = (r: Runs): number => (median(r.cpu) * 1000) / n;
  const row = (name: string, r: Runs, note = ''): string =>
    `  ${name.padEnd(26)} ${rate(r).toFixed(0).padStart(6)} images/s  ${cpuMs(r).toFixed(3).padStart(6)} CPU ms/img   runs ${r.seconds.map((t) => t.toFixed(3)).join(' ')} s${note}`;
  const load = os.loadavg()[0]!;
  console.log(`image decode + grayscale + resize to ${size}px (fit 'stretch'), ${n} COVID PNGs (256 px), median of ${repeats}`);
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${load.toFixed(1)}; SHARED with other jobs, so wall-clock rates are indicative and CPU ms/img is the steadier figure`);
  console.log(`sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}, PIL ${p.pil ?? '?'}, ${inFlight} images in flight, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 4}`);
  console.log(`fast path kernels: unfilter ${gray8Kernels() ? 'wasm' : 'JS loops'}, resize 256 -> ${size} ${resizeKernelFor(256, 256, size, size)}`);
  console.log(row('ours (decodeAndFit)', a, `   decoders: ${[...counted].map(([k, m]) => `${k} ${m / repeats}`).join(', ')}`));
  console.log(`  ${'ours, fast-path files only'.padEnd(26)} ${(eligible.length / median(e.seconds)).toFixed(0).padStart(6)} images/s  ${((median(e.cpu) * 1000) / eligible.length).toFixed(3).padStart(6)} CPU ms/img   (the ${eligible.length} files without an ICC profile)`);
  console.log(row('ours, thread-pool inflate', s));
  console.log(row('ours, 2-thread decode pool', w));
  console.log(row('sharp one pass (before)', v));
  console.log(row('PIL (1 thread)', p));
  console.log(`  ratio ours / PIL: ${(rate(a) / rate(p)).toFixed(2)}x images/s (target >= 2x), ${(cpuMs(p) / cpuMs(a)).toFixed(2)}x less CPU per image`);
  console.log(`  ratio ours, 2-thread decode pool / PIL: ${(rate(w) / rate(p)).toFixed(2)}x images/s (target >= 2x), ${(cpuMs(p) / cpuMs(w)).toFixed(2)}x less CPU per image`);
  console.log(row('ours, disk-cache hit', c, '   (epochs after the first; no decode)'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
