/**
 * Result shards: runs executed elsewhere (Slurm array tasks on other nodes) each write their record to a file of
 * their own in `<store>/shards/`, so no lock is ever shared over a network file system; `collectShards` merges
 * them into the store under its one writer lock.
 *
 * A shard is one run record as one JSON line, written to a temporary file, fsynced and renamed into place, so a
 * reader sees a whole shard or none. Its name starts with the run's configuration hash. Merging is idempotent and
 * keeps the store's invariant of at most one 'ok' record per run: a record the store already holds (equal in
 * canonical JSON), or a second 'ok' record of a run the store has finished, is a duplicate and is not appended.
 * A shard is deleted only once its record is safely in the store (appended and fsynced) or known to be a
 * duplicate, so a crash mid-collect loses nothing and the next collect finishes the job. A shard that cannot be
 * trusted (unreadable, not a run record, its configuration not hashing to its hash, its name naming another run)
 * is reported by name and left where it is.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hashJson } from '../util/hash';
import { writeFileAtomic } from '../train/files';
import { latestByConfig, readStoreFile, ResultsStore, STORE_FILE } from './store';
import type { RunRecord } from './types';

export const SHARDS_DIR = 'shards';
const SHARD_SUFFIX = '.jsonl';
const STATUSES: ReadonlySet<string> = new Set<RunRecord['status']>(['ok', 'failed', 'unavailable']);

export function shardsDir(storeDir: string): string {
  return path.join(path.resolve(storeDir), SHARDS_DIR);
}

/**
 * Writes `record` as a new shard beside the store and returns its path. `tag` makes the name unique and says
 * where it came from (e.g. the Slurm job and task); the host, pid and time are added.
 */
export function writeShard(storeDir: string, record: RunRecord, tag: string): string {
  const safeTag = tag.replace(/[^A-Za-z0-9_.-]/g, '-');
  const name = `${record.configHash}.${safeTag}.${os.hostname()}-${process.pid}-${Date.now()}${SHARD_SUFFIX}`;
  const file = path.join(shardsDir(storeDir), name);
  writeFileAtomic(file, `${JSON.stringify(record)}\n`);
  return file;
}

export interface Shard {
  file: string;
  record: RunRecord;
}

export interface BadShard {
  file: string;
  reason: string;
}

/** The one trustworthy record a shard's text holds, or why it cannot be merged. */
function shardProblem(file: string, text: string): { record: RunRecord } | { reason: string } {
  if (!text.endsWith('\n') || text.indexOf('\n') !== text.length - 1) return { reason: 'not exactly one complete JSON line' };
  let record: RunRecord;
  try {
    record = JSON.parse(text) as RunRecord;
  } catch (error) {
    return { reason: `not valid JSON (${(error as Error).message})` };
  }
  if (record === null || typeof record !== 'object' || record.schema !== 1 || typeof record.configHash !== 'string' || !STATUSES.has(record.status)) {
    return { reason: 'not a run record (schema 1 with a configHash and a status)' };
  }
  if (record.config === null || typeof record.config !== 'object') return { reason: 'the record has no configuration' };
  const computed = hashJson(record.config);
  if (computed !== record.configHash) {
    return { reason: `hash mismatch: the record's configuration hashes to ${computed}, the record says ${record.configHash}` };
  }
  if (!path.basename(file).startsWith(`${record.configHash}.`)) {
    return { reason: `the file name names another run than its record (${record.configHash})` };
  }
  return { record };
}

/** Every shard beside the store: the trustworthy ones with their records, the others with the reason. */
export function readShards(storeDir: string): { shards: Shard[]; bad: BadShard[] } {
  const dir = shardsDir(storeDir);
  const shards: Shard[] = [];
  const bad: BadShard[] = [];
  if (!fs.existsSync(dir)) return { shards, bad };
  // Dot files are shards still being written (writeFileAtomic's temporaries).
  const names = fs.readdirSync(dir).filter((n) => n.endsWith(SHARD_SUFFIX) && !n.startsWith('.')).sort();
  for (const name of names) {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      bad.push({ file, reason: `unreadable (${(error as Error).message})` });
      continue;
    }
    const checked = shardProblem(file, text);
    if ('reason' in checked) bad.push({ file, reason: checked.reason });
    else shards.push({ file, record: checked.record });
  }
  return { shards, bad };
}

/** The newest record per run over the store and the shards not yet collected (an 'ok' record is final). */
export function latestIncludingShards(storeDir: string): Map<string, RunRecord> {
  const stored = readStoreFile(path.join(path.resolve(storeDir), STORE_FILE)).records;
  const sharded = readShards(storeDir).shards.map((s) => s.record);
  return latestByConfig([...stored, ...sharded.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt))]);
}

export interface CollectResult {
  /** Shards whose record was appended to the store (and which were then deleted). */
  merged: Shard[];
  /** Shards whose record (or, for an 'ok' record, whose finished run) the store already held: deleted, not appended. */
  duplicates: Shard[];
  /** Shards left in place, with the reason. */
  bad: BadShard[];
}

/** Merges every trustworthy shard into the store, oldest record first; see the file comment for the guarantees. */
export function collectShards(storeDir: string): CollectResult {
  const store = ResultsStore.open(storeDir);
  try {
    const { shards, bad } = readShards(storeDir);
    const records = store.records();
    const inStore = new Set(records.map((r) => hashJson(r)));
    const finished = new Set(records.filter((r) => r.status === 'ok').map((r) => r.configHash));
    const merged: Shard[] = [];
    const duplicates: Shard[] = [];
    const byTime = [...shards].sort((a, b) => a.record.finishedAt.localeCompare(b.record.finishedAt) || a.file.localeCompare(b.file));
    for (const { file, record } of byTime) {
      const identity = hashJson(record);
      if (inStore.has(identity) || (record.status === 'ok' && finished.has(record.configHash))) {
        duplicates.push({ file, record });
      } else {
        store.append(record); // fsynced before the shard goes
        inStore.add(identity);
        if (record.status === 'ok') finished.add(record.configHash);
        merged.push({ file, record });
      }
      fs.rmSync(file, { force: true });
    }
    return { merged, duplicates, bad };
  } finally {
    store.close();
  }
}
