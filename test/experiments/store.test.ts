import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { latestByConfig, readResults, readStoreFile, ResultsStore, STORE_FILE } from '../../lib/experiments/store';
import { tiedScoresReason } from '../../lib/experiments/tied-scores';
import type { RunRecord } from '../../lib/experiments/types';
import { makeRecord } from './records';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const record = (hash: string, status: RunRecord['status'], seed = 0): RunRecord => makeRecord(hash, status, seed);

describe('ResultsStore', () => {
  it('appends records and never rewrites earlier lines', () => {
    const dir = tempDir();
    const store = ResultsStore.open(dir);
    store.append(record('a', 'ok'));
    const before = fs.readFileSync(path.join(dir, STORE_FILE), 'utf8');
    store.append(record('b', 'failed'));
    store.close();
    const after = fs.readFileSync(path.join(dir, STORE_FILE), 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(readResults(dir).map((r) => r.configHash)).toEqual(['a', 'b']);
  });

  it('survives a write torn by a crash: earlier records intact, torn tail ignored by readers and dropped by the next writer', () => {
    const dir = tempDir();
    const file = path.join(dir, STORE_FILE);
    const store = ResultsStore.open(dir);
    store.append(record('a', 'ok'));
    store.append(record('b', 'ok'));
    store.close();
    const full = JSON.stringify(record('c', 'ok'));
    fs.appendFileSync(file, full.slice(0, Math.floor(full.length / 2))); // the crash: half a line, no newline

    const read = readStoreFile(file);
    expect(read.records.map((r) => r.configHash)).toEqual(['a', 'b']);
    expect(read.tornBytes).toBeGreaterThan(0);

    const reopened = ResultsStore.open(dir);
    reopened.append(record('d', 'ok'));
    reopened.close();
    expect(readResults(dir).map((r) => r.configHash)).toEqual(['a', 'b', 'd']);
    expect(readStoreFile(file).tornBytes).toBe(0);
  });

  it('treats a malformed complete line as corruption and names the line', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, STORE_FILE), `${JSON.stringify(record('a', 'ok'))}\nnot json\n`);
    expect(() => readResults(dir)).toThrow(/line 2/);
  });

  it('a line that is JSON but not a run record is corruption too, named by line and field', () => {
    const dir = tempDir();
    const partial = { schema: 1, configHash: 'x', status: 'ok', grid: 'g' }; // passes the old schema/hash/status check
    fs.writeFileSync(path.join(dir, STORE_FILE), `${JSON.stringify(record('a', 'ok'))}\n${JSON.stringify(partial)}\n`);
    expect(() => readResults(dir)).toThrow(/runs\.jsonl: line 2 is not a valid run record \(field "config": /);
    const wrongType = { ...record('b', 'ok'), config: { ...record('b', 'ok').config, fraction: '25%' } };
    fs.writeFileSync(path.join(dir, STORE_FILE), `${JSON.stringify(wrongType)}\n`);
    expect(() => readResults(dir)).toThrow(/line 1 is not a valid run record \(field "config\.fraction": /);
  });

  it('allows one writer at a time and takes over a stale lock', () => {
    const dir = tempDir();
    const store = ResultsStore.open(dir);
    fs.writeFileSync(path.join(dir, 'runs.lock'), '1'); // pid 1 (init) is alive: a foreign live writer
    expect(() => ResultsStore.open(dir)).toThrow(/in use by process 1/);
    fs.writeFileSync(path.join(dir, 'runs.lock'), '999999999'); // no such process: stale
    const second = ResultsStore.open(dir);
    second.close();
    store.close();
  });

  it('the latest record per run wins, except that a finished run stays finished', () => {
    const latest = latestByConfig([record('a', 'failed'), record('a', 'ok'), record('a', 'failed'), record('b', 'unavailable'), record('b', 'failed')]);
    expect(latest.get('a')!.status).toBe('ok');
    expect(latest.get('b')!.status).toBe('failed');
  });
});

describe('forgetting runs ranked by tied probabilities', () => {
  const withScores = (hash: string, scores: number[], extra: Partial<RunRecord['testScores']> = {}, curveAuroc = 0.7): RunRecord => ({
    ...record(hash, 'ok'),
    testScores: { ids: scores.map((_, i) => `i${i}`), labels: scores.map((_, i) => i % 2), scores, ...extra },
    curve: [{ epoch: 1, learningRate: 1e-4, trainLoss: 1, valLoss: 1, valMeanAuroc: curveAuroc, valMeanAuprc: 0.5, val: [{ label: 'y', positives: 1, negatives: 1, auroc: curveAuroc, auprc: 0.5, ap: 0.5 }], seconds: 1, trainImages: 1 }],
  });

  it('names what makes a record untrustworthy, and spares records ranked by logits', () => {
    expect(tiedScoresReason(withScores('a', [1, 1, 0.3]))).toBe('test probabilities tie');
    expect(tiedScoresReason(withScores('b', [0.9, 0.8, 0.3], {}, 0.5))).toBe('validation AUROC exactly 0.5 at epoch 1');
    expect(tiedScoresReason(withScores('c', [0.9, 0.8, 0.3]))).toBeNull();
    expect(tiedScoresReason(withScores('d', [1, 1, 0.3], { logits: [20, 19, -1] }))).toBeNull();
    expect(tiedScoresReason(record('e', 'failed'))).toBeNull();
  });

  it('rewrites the store without every record of the dropped runs, leaving no temporary file', () => {
    const dir = tempDir();
    const store = ResultsStore.open(dir);
    store.append(record('bad', 'failed'));
    store.append(withScores('bad', [1, 1, 0.3]));
    store.append(withScores('good', [0.9, 0.8, 0.3]));
    const { kept, dropped } = store.rewrite((r) => r.configHash !== 'bad');
    expect(kept).toBe(1);
    expect(dropped.map((r) => r.status)).toEqual(['failed', 'ok']);
    store.append(record('next', 'ok')); // still open for appending after the rename
    store.close();
    expect(readResults(dir).map((r) => r.configHash)).toEqual(['good', 'next']);
    expect(fs.readdirSync(dir).filter((f) => f.includes('rewrite'))).toEqual([]);
  });
});
