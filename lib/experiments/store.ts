/**
 * The results store: one JSON line per finished (or failed, or unavailable) run in `<dir>/runs.jsonl`.
 *
 * Why JSON Lines and not SQLite: the store is committed to git and read by notebooks on a fresh clone, so it
 * must diff, merge and review as text and need no native module to read. Crash safety comes from how it is
 * written: each record is one `write` of a complete line to a file opened for appending, followed by fsync.
 * A crash mid-write can only leave an incomplete LAST line (no trailing newline); readers ignore it and the
 * next writer truncates it away, so earlier records are never touched. Records are never edited or deleted:
 * a rerun appends a newer record and readers take the latest per configuration hash.
 *
 * How a record becomes lines (its split's test ids and labels written once, not per record) is store-lines.ts.
 *
 * One writer at a time: a lock file (`<dir>/runs.lock`, holding the writer's pid) is taken with O_EXCL;
 * worker processes never write, they send records to the runner, which appends them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, DataError, StorageError } from '../errors';
import { storageError } from '../util/io-errors';
import { processAlive } from '../util/process';
import { StoreLineReader, StoreLineWriter } from './store-lines';
import type { RunRecord } from './types';

export const STORE_FILE = 'runs.jsonl';
const LOCK_FILE = 'runs.lock';

export interface ReadResult {
  records: RunRecord[];
  /** Bytes of an incomplete last line (a write interrupted by a crash), ignored. */
  tornBytes: number;
  /** Keys of the test-items lines the file holds (store-lines.ts). */
  testItemKeys: string[];
}

/** Throws a StorageError when the store's folder is a file: a `--store` pointing at the wrong path. */
function assertStoreFolder(dir: string): void {
  let info: fs.Stats;
  try {
    info = fs.statSync(dir);
  } catch {
    return; // absent: an empty store (readers) or created on open (writers)
  }
  if (!info.isDirectory()) {
    throw new StorageError(`${dir}: the results store must be a folder (holding ${STORE_FILE}), but this is a file`, { file: dir, code: 'ENOTDIR' });
  }
}

/**
 * Read every complete record. A malformed complete line is corruption, not a torn write: it throws, naming the
 * line (and for a line that is JSON but not a run record, the field).
 */
export function readStoreFile(file: string): ReadResult {
  assertStoreFolder(path.dirname(file));
  if (!fs.existsSync(file)) return { records: [], tornBytes: 0, testItemKeys: [] };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw storageError(error, 'read the results store', file);
  }
  const end = text.lastIndexOf('\n') + 1;
  const records: RunRecord[] = [];
  const reader = new StoreLineReader(file);
  text
    .slice(0, end)
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new DataError(`${file}: line ${i + 1} is not valid JSON (the store was edited or corrupted)`, { file, row: i + 1 });
      }
      const record = reader.read(value, i + 1);
      if (record) records.push(record);
    });
  return { records, tornBytes: Buffer.byteLength(text.slice(end), 'utf8'), testItemKeys: reader.itemKeys };
}

/** Read-only access for notebooks and reports: the records of a store directory (or a runs.jsonl path). */
export function readResults(dirOrFile: string): RunRecord[] {
  const file = dirOrFile.endsWith('.jsonl') ? dirOrFile : path.join(dirOrFile, STORE_FILE);
  return readStoreFile(file).records;
}

/** The newest record per configuration hash, preferring 'ok' over later failures (an ok run is final). */
export function latestByConfig(records: RunRecord[]): Map<string, RunRecord> {
  const latest = new Map<string, RunRecord>();
  for (const record of records) {
    const previous = latest.get(record.configHash);
    if (previous?.status === 'ok' && record.status !== 'ok') continue;
    latest.set(record.configHash, record);
  }
  return latest;
}

export class ResultsStore {
  readonly dir: string;
  readonly file: string;
  private readonly lockFile: string;
  private fd: number | null = null;
  private writer = new StoreLineWriter();

  private constructor(dir: string) {
    this.dir = path.resolve(dir);
    this.file = path.join(this.dir, STORE_FILE);
    this.lockFile = path.join(this.dir, LOCK_FILE);
  }

  /**
   * Open for appending: takes the writer lock and drops a torn last line left by a crash. A folder that cannot
   * be created or written (a file in its place, no permission, a read-only disk) is a StorageError naming it.
   */
  static open(dir: string): ResultsStore {
    const store = new ResultsStore(dir);
    assertStoreFolder(store.dir);
    try {
      fs.mkdirSync(store.dir, { recursive: true });
    } catch (error) {
      throw storageError(error, 'create the results store folder', store.dir);
    }
    store.lock();
    try {
      store.repairTornTail();
      store.fd = fs.openSync(store.file, 'a');
    } catch (error) {
      store.unlock();
      throw storageError(error, 'open the results store for writing', store.file);
    }
    return store;
  }

  private lock(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(this.lockFile, 'wx');
        fs.writeSync(fd, String(process.pid));
        fs.closeSync(fd);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw storageError(error, 'take the results store lock', this.lockFile);
        const pid = Number(fs.readFileSync(this.lockFile, 'utf8'));
        if (Number.isInteger(pid) && pid > 0 && processAlive(pid) && pid !== process.pid) {
          throw new ConfigError(`${this.dir}: the results store is in use by process ${pid} (lock ${this.lockFile})`, {
            file: this.lockFile,
          });
        }
        fs.rmSync(this.lockFile, { force: true }); // stale: its writer is gone
      }
    }
    throw new ConfigError(`${this.dir}: could not take the store lock ${this.lockFile}`, { file: this.lockFile });
  }

  private unlock(): void {
    fs.rmSync(this.lockFile, { force: true });
  }

  private repairTornTail(): void {
    const { tornBytes, testItemKeys } = readStoreFile(this.file);
    this.writer = new StoreLineWriter(testItemKeys);
    if (tornBytes > 0) {
      const size = fs.statSync(this.file).size;
      fs.truncateSync(this.file, size - tornBytes);
    }
  }

  records(): RunRecord[] {
    return readStoreFile(this.file).records;
  }

  /**
   * One write of one complete line, then fsync. If it fails (a full disk), the part written is cut off again so
   * a later append cannot glue onto it; the run's checkpoint is still there, so rerunning records it.
   */
  append(record: RunRecord): void {
    if (this.fd === null) throw new ConfigError(`${this.file}: store is closed`);
    const { text, newItemKey } = this.writer.lines(record);
    const line = Buffer.from(text, 'utf8');
    const sizeBefore = fs.fstatSync(this.fd).size;
    try {
      for (let offset = 0; offset < line.length; ) offset += fs.writeSync(this.fd, line, offset, line.length - offset);
      fs.fsyncSync(this.fd);
      this.writer.written(newItemKey);
    } catch (error) {
      try {
        fs.ftruncateSync(this.fd, sizeBefore);
      } catch {
        this.close(); // the torn tail stays; the next open drops it, and no append may follow it meanwhile
      }
      throw storageError(error, `append the record of ${record.grid} ${record.cellName} seed ${record.seed}`, this.file);
    }
  }

  /**
   * Keep only the records `keep` accepts: written to a temporary file, then renamed over the store, under the
   * writer lock, so a crash leaves either the old store or the new one. Dropped runs train again on the next
   * `run` (a run is done only while an 'ok' record of it is in the store).
   */
  rewrite(keep: (record: RunRecord) => boolean): { kept: number; dropped: RunRecord[] } {
    if (this.fd === null) throw new ConfigError(`${this.file}: store is closed`);
    const records = this.records();
    const dropped = records.filter((r) => !keep(r));
    if (dropped.length === 0) return { kept: records.length, dropped };
    const kept = records.filter(keep);
    this.replaceWith(kept);
    return { kept: kept.length, dropped };
  }

  /**
   * Rewrite every record in the current line format (a store written before test items were shared shrinks to
   * about a quarter); the records read back the same. Returns the record count and the file's size before and
   * after, in bytes.
   */
  compact(): { records: number; before: number; after: number } {
    if (this.fd === null) throw new ConfigError(`${this.file}: store is closed`);
    const before = fs.statSync(this.file).size;
    const records = this.records();
    this.replaceWith(records);
    return { records: records.length, before, after: fs.statSync(this.file).size };
  }

  /** Temporary file, fsync, rename over the store: a crash leaves the old store or the new one. */
  private replaceWith(records: RunRecord[]): void {
    const writer = new StoreLineWriter();
    const text = records
      .map((record) => {
        const { text: lines, newItemKey } = writer.lines(record);
        writer.written(newItemKey);
        return lines;
      })
      .join('');
    const tmp = `${this.file}.rewrite-${process.pid}`;
    try {
      fs.writeFileSync(tmp, text);
      const fd = fs.openSync(tmp, 'r+');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    } catch (error) {
      fs.rmSync(tmp, { force: true });
      throw storageError(error, 'rewrite the results store (nothing was changed)', this.file);
    }
    fs.closeSync(this.fd!);
    fs.renameSync(tmp, this.file);
    this.fd = fs.openSync(this.file, 'a');
    this.writer = writer;
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
      this.unlock();
    }
  }
}
