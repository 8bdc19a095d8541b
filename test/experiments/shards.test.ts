/**
 * Result shards and `collectShards`: every trustworthy record reaches the store exactly once, however often
 * collect runs or wherever it was interrupted; a shard that cannot be trusted is named, skipped and kept.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectShards, latestIncludingShards, readShards, shardsDir, writeShard } from '../../lib/experiments/shards';
import { readResults, ResultsStore } from '../../lib/experiments/store';
import type { RunRecord } from '../../lib/experiments/types';
import { hashJson } from '../../lib/util/hash';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-shards-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let stores = 0;
const newStore = (): string => path.join(root, `store-${stores++}`);

/** A record whose hash is its configuration's, as the planner makes them. */
function record(fraction: number, status: RunRecord['status'] = 'ok', finishedAt = '2026-01-01T00:01:00.000Z'): RunRecord {
  const config = {
    dataset: { id: 'synthetic-cxr', contentHash: 'c', labelNames: ['opacity'], synthetic: true },
    split: { method: 'patient-stratified', hash: 's', seed: 0 },
    fraction,
    fractionLadder: [0.5, 1],
    cell: { model: { id: 'densenet121', truncation: 'T1', head: 'flatten-linear' }, init: 'RI' },
    weights: null,
    pipeline: { size: 64, channels: 3, fit: 'pad-white', normalize: 'imagenet' },
    training: { epochs: 2 },
    seed: 0,
    profile: 'quick',
  } as unknown as RunRecord['config'];
  return {
    schema: 1,
    status,
    configHash: hashJson(config),
    config,
    grid: 'tiny',
    cellName: 'Dens-T1-RI',
    seed: 0,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt,
    wallSeconds: 60,
    ...(status === 'failed'
      ? { error: { name: 'Error', message: 'out of memory' } }
      : { test: [{ label: 'opacity', auroc: 0.8, auprc: 0.6, ap: 0.6, positives: 10, negatives: 30, aurocCI: null, auprcCI: null }] }),
  };
}

const shardFiles = (store: string): string[] => (fs.existsSync(shardsDir(store)) ? fs.readdirSync(shardsDir(store)).sort() : []);

describe('writeShard', () => {
  it('writes one record as one line, named by its hash and tag, with no temporary file left', () => {
    const store = newStore();
    const r = record(0.5);
    const file = writeShard(store, r, 'slurm-12_3');
    expect(path.basename(file)).toMatch(new RegExp(`^${r.configHash}\\.slurm-12_3\\..+\\.jsonl$`));
    expect(fs.readFileSync(file, 'utf8')).toBe(`${JSON.stringify(r)}\n`);
    expect(shardFiles(store)).toEqual([path.basename(file)]);
  });
});

describe('collectShards', () => {
  it('merges every shard into the store once, oldest first, and removes the shards', () => {
    const store = newStore();
    const late = record(1, 'ok', '2026-01-01T00:05:00.000Z');
    const early = record(0.5, 'ok', '2026-01-01T00:02:00.000Z');
    writeShard(store, late, 'a');
    writeShard(store, early, 'b');
    const result = collectShards(store);
    expect(result.merged.map((s) => s.record.configHash)).toEqual([early.configHash, late.configHash]);
    expect(result.bad).toEqual([]);
    expect(readResults(store)).toEqual([early, late]);
    expect(shardFiles(store)).toEqual([]);
  });

  it('is idempotent: collecting again, or after a crash between append and delete, adds nothing', () => {
    const store = newStore();
    const r = record(0.5);
    writeShard(store, r, 'a');
    // A collect that appended but died before deleting the shard.
    const s = ResultsStore.open(store);
    s.append(r);
    s.close();
    const again = collectShards(store);
    expect(again.merged).toEqual([]);
    expect(again.duplicates.map((d) => d.record)).toEqual([r]);
    expect(collectShards(store)).toEqual({ merged: [], duplicates: [], bad: [] });
    expect(readResults(store)).toEqual([r]);
    expect(shardFiles(store)).toEqual([]);
  });

  it('keeps one finished record per run: a second ok of a finished run is a duplicate; failed attempts are kept', () => {
    const store = newStore();
    const failed = record(0.5, 'failed', '2026-01-01T00:01:00.000Z');
    const ok = record(0.5, 'ok', '2026-01-01T00:03:00.000Z');
    const okAgain = { ...record(0.5, 'ok', '2026-01-01T00:09:00.000Z'), wallSeconds: 61 };
    writeShard(store, failed, 'a');
    writeShard(store, ok, 'b');
    writeShard(store, okAgain, 'c');
    const result = collectShards(store);
    expect(result.merged.map((s) => s.record)).toEqual([failed, ok]);
    expect(result.duplicates.map((s) => s.record)).toEqual([okAgain]);
    expect(readResults(store)).toEqual([failed, ok]);
  });

  it('names and skips a corrupt shard, a hash mismatch and a misnamed shard, keeps them, and still merges the rest', () => {
    const store = newStore();
    const good = record(0.5);
    writeShard(store, good, 'good');
    const dir = shardsDir(store);
    const other = record(1);
    const files = {
      notJson: path.join(dir, `${other.configHash}.corrupt.jsonl`),
      torn: path.join(dir, `${other.configHash}.torn.jsonl`),
      twoLines: path.join(dir, `${other.configHash}.two.jsonl`),
      mismatch: path.join(dir, `${other.configHash}.mismatch.jsonl`),
      misnamed: path.join(dir, `${good.configHash}.misnamed.jsonl`),
      notRecord: path.join(dir, `${other.configHash}.not-record.jsonl`),
    };
    fs.writeFileSync(files.notJson, '{"schema":1, oops\n');
    fs.writeFileSync(files.torn, JSON.stringify(other)); // no newline: cut short
    fs.writeFileSync(files.twoLines, `${JSON.stringify(other)}\n${JSON.stringify(other)}\n`);
    // Edited after the fact: the configuration no longer hashes to the record's hash.
    fs.writeFileSync(files.mismatch, `${JSON.stringify({ ...other, config: { ...other.config, fraction: 0.75 } })}\n`);
    fs.writeFileSync(files.misnamed, `${JSON.stringify(other)}\n`);
    fs.writeFileSync(files.notRecord, `${JSON.stringify({ schema: 2, configHash: other.configHash })}\n`);
    fs.writeFileSync(path.join(dir, `.${other.configHash}.x.jsonl.123.tmp`), 'being written'); // ignored
    const result = collectShards(store);
    expect(result.merged.map((s) => s.record)).toEqual([good]);
    const reasons = Object.fromEntries(result.bad.map((b) => [b.file, b.reason]));
    expect(Object.keys(reasons).sort()).toEqual(Object.values(files).sort());
    expect(reasons[files.notJson]).toMatch(/not valid JSON/);
    expect(reasons[files.torn]).toMatch(/not exactly one complete JSON line/);
    expect(reasons[files.twoLines]).toMatch(/not exactly one complete JSON line/);
    expect(reasons[files.mismatch]).toMatch(new RegExp(`hash mismatch: .* hashes to [0-9a-f]{64}, the record says ${other.configHash}`));
    expect(reasons[files.misnamed]).toMatch(/names another run/);
    expect(reasons[files.notRecord]).toMatch(/not a run record/);
    expect(readResults(store)).toEqual([good]);
    for (const file of Object.values(files)) expect(fs.existsSync(file)).toBe(true); // nothing lost
  });

  it('lets planners see records not yet collected', () => {
    const store = newStore();
    const s = ResultsStore.open(store);
    const failed = record(0.5, 'failed');
    s.append(failed);
    s.close();
    const ok = record(0.5, 'ok', '2026-01-01T00:09:00.000Z');
    writeShard(store, ok, 'a');
    expect(latestIncludingShards(store).get(ok.configHash)).toEqual(ok);
    expect(readShards(store).shards.map((x) => x.record)).toEqual([ok]);
  });
});
