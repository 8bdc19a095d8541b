/**
 * What hashing the images costs a dataset load: the prepared COVID set (271 PNGs) loaded with the default check
 * (every image's sha256, cached by size, mtime and inode) against the same load with imageCheck 'none' (label
 * file only, no image read), in the same run. Cold = empty hash cache (every byte read); warm = one stat per file.
 *   npx tsx bench/dataset-identity.ts [--root <prepared covid folder>] [--repeats 5]
 * Prints median wall ms per load and the ratio to the 'none' load; CPU ms too, which stays meaningful when other
 * jobs load the machine.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDataset, type CovidCohenOptions } from '../lib/data';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const root = arg('root', process.env.RETHINK_SHARED ? path.join(process.env.RETHINK_SHARED, 'data', 'covid-chestxray-cohen-256') : 'data/covid-chestxray-cohen-256');
const repeats = Number(arg('repeats', '5'));

async function time(options: CovidCohenOptions, before?: () => void): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < repeats; r++) {
    before?.();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await loadDataset('covid-cohen', options);
    walls.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpus.push((cpu.user + cpu.system) / 1000);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: median(walls), cpu: median(cpus) };
}

async function main(): Promise<void> {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-bench-identity-'));
  process.env.RETHINK_CACHE = cache;
  try {
    await loadDataset('covid-cohen', { root, imageCheck: 'none' }); // warm the CSV parser and the page cache
    const none = await time({ root, imageCheck: 'none' });
    const cold = await time({ root }, () => fs.rmSync(path.join(cache, 'file-sha256-v1'), { recursive: true, force: true }));
    const warm = await time({ root });
    console.log(`covid-cohen at ${root}, median of ${repeats} loads, load average ${os.loadavg()[0]!.toFixed(1)}`);
    console.log('load                                   wall ms   CPU ms   wall / none');
    for (const [label, r] of [["imageCheck 'none' (reference)", none], ['hashed, cold cache', cold], ['hashed, warm cache', warm]] as const) {
      console.log(`${label.padEnd(38)} ${r.wall.toFixed(0).padStart(7)}  ${r.cpu.toFixed(0).padStart(7)}   ${(r.wall / none.wall).toFixed(2)}x`);
    }
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

void main();
