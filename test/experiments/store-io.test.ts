/**
 * The results store against the file system: a --store that is a file, folders the user may not write or
 * read, a disk that fills mid-append. Each must be a named error (no stack trace) and leave a valid store.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main, EXIT } from '../../lib/cli/main';
import { StorageError } from '../../lib/errors';
import { readResults, ResultsStore, STORE_FILE } from '../../lib/experiments/store';
import { makeRecord } from './records';

const BIN = path.resolve(__dirname, '../../bin/rethink-tl.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-store-io-'));
fs.chmodSync(root, 0o755);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

function stderrOf(run: () => Promise<number>): Promise<{ code: number; err: string }> {
  let err = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  return run().then((code) => ({ code, err }));
}

/** The CLI as a user without write access to root-owned folders (nobody when the tests run as root). */
function cliAsOtherUser(args: string[]): { status: number | null; stderr: string } {
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', ...(asRoot ? { uid: 65534, gid: 65534 } : {}), env: { ...process.env, HOME: root } });
  return { status: r.status, stderr: r.stderr };
}

const canMountTmpfs = ((): boolean => {
  try {
    execFileSync('unshare', ['-rm', 'sh', '-c', `mount -t tmpfs -o size=16k tmpfs ${os.tmpdir()}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('results store I/O errors', () => {
  it('a --store that is a file: a StorageError naming it, exit 2, no stack trace', async () => {
    const file = path.join(root, 'not-a-folder');
    fs.writeFileSync(file, 'x');
    expect(() => readResults(file)).toThrow(StorageError);
    expect(() => ResultsStore.open(file)).toThrow(/not-a-folder: the results store must be a folder \(holding runs\.jsonl\), but this is a file/);
    const { code, err } = await stderrOf(() => main(['status', '--store', file]));
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/^rethink-tl: StorageError: .*not-a-folder: the results store must be a folder/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('a store folder the user may not write (EACCES): a named error, exit 2, no stack trace', () => {
    const dir = path.join(root, 'readonly');
    fs.mkdirSync(dir);
    if (process.getuid?.() !== 0) fs.chmodSync(dir, 0o555);
    const r = cliAsOtherUser(['forget', '--tied-scores', '--store', dir]);
    expect(r.status).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/^rethink-tl: StorageError: .*readonly\/runs\.lock: cannot take the results store lock \(permission denied, EACCES\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a store file the user may not read (EACCES): a named error, exit 2, no stack trace', () => {
    const dir = path.join(root, 'unreadable');
    fs.mkdirSync(dir);
    const store = ResultsStore.open(dir);
    store.append(makeRecord('a', 'ok'));
    store.close();
    fs.chmodSync(path.join(dir, STORE_FILE), 0o000);
    const r = cliAsOtherUser(['status', '--store', dir]);
    expect(r.status).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/^rethink-tl: StorageError: .*runs\.jsonl: cannot read the results store \(permission denied, EACCES\)/);
  });

  it.skipIf(!canMountTmpfs)('a disk that fills: the append that failed is cut off, the store stays valid; a checkpoint keeps its last epoch (needs unshare -rm)', () => {
    const dir = fs.mkdtempSync(path.join(root, 'full-'));
    const script = path.join(__dirname, 'fixtures', 'disk-full.ts');
    const out = execFileSync(
      'unshare',
      ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=48k tmpfs "$1" && exec "$2" --require "$3" "$4" "$1"', 'sh', dir, process.execPath, require.resolve('tsx/cjs'), script],
      { encoding: 'utf8' },
    );
    const { store, checkpoint } = JSON.parse(out) as { store: Record<string, unknown>; checkpoint: Record<string, unknown> };
    expect(store.error).toMatch(/^StorageError: .*runs\.jsonl: cannot append the record of fig4 CBR-Small-RI seed 0 \(no space left on device, ENOSPC\)/);
    expect(store.appended).toBeGreaterThan(3);
    expect(store.records).toBe(store.appended);
    expect(store.tornBytes).toBe(0);
    expect(checkpoint.error).toMatch(/^StorageError: .*cannot write this file \(no space left on device, ENOSPC\)/);
    expect(checkpoint.saved).toBeGreaterThan(0);
    expect(checkpoint.loadsEpoch).toBe(checkpoint.saved);
    expect(checkpoint.tmpFiles).toEqual([]);
  });
});
