/**
 * The store's line format (lib/experiments/store-lines.ts): a split's test ids and labels are written once, logits
 * at float32 precision, probabilities derived on reading; records read back as they were written, old-format
 * stores still read, and a damaged line is named.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT, main } from '../../lib/cli/main';
import { readResults, readStoreFile, ResultsStore, STORE_FILE } from '../../lib/experiments/store';
import { scoreOfLogit } from '../../lib/experiments/store-lines';
import type { RunRecord } from '../../lib/experiments/types';
import { canonicalJson } from '../../lib/util/hash';
import { makeRecord } from './records';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-lines-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Float32 logits as a run produces them, spread over magnitudes from denormal-small to huge. */
function float32Logits(n: number, seed: number): number[] {
  let x = seed;
  const next = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, (_, i) => Math.fround((next() - 0.5) * 10 ** ((i % 13) - 6)));
}

/** An ok record with the per-item scores a run writes today (probabilities derived from the logits). */
function scored(hash: string, ids: string[], seed: number): RunRecord {
  const logits = float32Logits(ids.length, seed);
  return { ...makeRecord(hash, 'ok'), testScores: { ids, labels: ids.map((_, i) => i % 2), scores: logits.map(scoreOfLogit), logits } };
}

const ids = Array.from({ length: 50 }, (_, i) => `patient${i}/img${i}.png`);
const lines = (dir: string): string[] => fs.readFileSync(path.join(dir, STORE_FILE), 'utf8').trim().split('\n');

describe('store lines', () => {
  it('writes a split\'s test ids once; every record reads back exactly, float32 logits included', () => {
    const dir = tempDir();
    const written = [scored('a', ids, 1), scored('b', ids, 2), scored('c', ids.slice(0, 20), 3)];
    const store = ResultsStore.open(dir);
    written.forEach((r) => store.append(r));
    store.close();
    const text = lines(dir);
    expect(text.filter((l) => l.startsWith('{"testItems"'))).toHaveLength(2); // one per distinct test set
    expect(text.filter((l) => l.includes('patient7/img7.png'))).toHaveLength(2); // in the two items lines only
    const read = readResults(dir);
    expect(read.map(canonicalJson)).toEqual(written.map(canonicalJson));
    expect(read[1]!.testScores!.logits).toEqual(written[1]!.testScores!.logits); // bit-exact float32 values
  });

  it('a reopened store reuses the test-items line it already holds, also after a torn write', () => {
    const dir = tempDir();
    let store = ResultsStore.open(dir);
    store.append(scored('a', ids, 1));
    store.close();
    fs.appendFileSync(path.join(dir, STORE_FILE), '{"schema":1,"configHash":"torn'); // a crash mid-append
    store = ResultsStore.open(dir);
    store.append(scored('b', ids, 2));
    store.close();
    expect(lines(dir).filter((l) => l.startsWith('{"testItems"'))).toHaveLength(1);
    expect(readResults(dir).map((r) => r.configHash)).toEqual(['a', 'b']);
  });

  it('forgetting the record that introduced a test set keeps the test set for the records that remain', () => {
    const dir = tempDir();
    const store = ResultsStore.open(dir);
    [scored('a', ids, 1), scored('b', ids, 2)].forEach((r) => store.append(r));
    store.rewrite((r) => r.configHash !== 'a');
    store.append(scored('c', ids, 3));
    store.close();
    expect(readResults(dir).map((r) => [r.configHash, r.testScores!.ids.length])).toEqual([['b', 50], ['c', 50]]);
    expect(lines(dir).filter((l) => l.startsWith('{"testItems"'))).toHaveLength(1);
  });

  it('reads a store written before test items were shared, and compact shrinks it without changing a record', () => {
    const dir = tempDir();
    const old = [scored('a', ids, 1), scored('b', ids, 2), { ...makeRecord('c', 'ok'), testScores: { ids, labels: ids.map(() => 1), scores: ids.map((_, i) => i / 50) } }];
    fs.writeFileSync(path.join(dir, STORE_FILE), old.map((r) => `${JSON.stringify(r)}\n`).join(''));
    expect(readResults(dir).map(canonicalJson)).toEqual(old.map(canonicalJson));
    const store = ResultsStore.open(dir);
    const { before, after } = store.compact();
    store.close();
    expect(after).toBeLessThan(before);
    expect(lines(dir).filter((l) => l.includes('patient7/img7.png'))).toHaveLength(2); // two test-items lines (c's labels differ), no record
    expect(readResults(dir).map(canonicalJson)).toEqual(old.map(canonicalJson)); // c has no logits: its scores are kept
  });

  it('refuses to write a non-finite score (JSON would turn it into null and the line unreadable); the store stays valid', () => {
    const dir = tempDir();
    const store = ResultsStore.open(dir);
    const broken = scored('a', ids, 1);
    broken.testScores!.logits![7] = Number.NaN;
    expect(() => store.append(broken)).toThrow(/seed 0: test score 7 is NaN/);
    store.append(scored('b', ids, 2));
    store.close();
    expect(readResults(dir).map((r) => r.configHash)).toEqual(['b']);
  });

  it('names the line and field of a record whose test items are missing or damaged', () => {
    const dir = tempDir();
    const store = ResultsStore.open(dir);
    store.append(scored('a', ids, 1));
    store.close();
    const [items, record] = lines(dir);
    const file = path.join(dir, STORE_FILE);
    fs.writeFileSync(file, `${record}\n`);
    expect(() => readResults(dir)).toThrow(/line 1 .*"testScores\.items": no earlier test-items line/);
    fs.writeFileSync(file, `${items!.replace('patient3/', 'patient4/')}\n${record}\n`);
    expect(() => readResults(dir)).toThrow(/line 1 .*do not hash to its key/);
    const short = JSON.parse(record!) as { testScores: { logits: number[] } };
    short.testScores.logits.pop();
    fs.writeFileSync(file, `${items}\n${JSON.stringify(short)}\n`);
    expect(() => readStoreFile(file)).toThrow(/line 2 .*"testScores\.logits" must be 50 numbers/);
  });

  it('`rethink-tl compact` rewrites an old store and reports its size; a store that is not there is an error, not created', async () => {
    const dir = tempDir();
    const old = [scored('a', ids, 1), scored('b', ids, 2)];
    fs.writeFileSync(path.join(dir, STORE_FILE), old.map((r) => `${JSON.stringify(r)}\n`).join(''));
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
    expect(await main(['compact', '--store', dir])).toBe(EXIT.ok);
    expect(out).toMatch(/runs\.jsonl: 2 records, 0\.\d\d MB -> 0\.\d\d MB/);
    expect(readResults(dir).map(canonicalJson)).toEqual(old.map(canonicalJson));
    const missing = path.join(dir, 'absent');
    expect(await main(['compact', '--store', missing])).toBe(EXIT.usage);
    expect(err).toMatch(/there is no results store at .*absent/);
    expect(fs.existsSync(missing)).toBe(false);
  });
});
