/**
 * One process trains a run at a time. Before training, a process claims the run's checkpoint folder with a
 * `claim.json` created exclusively (pid, host, time); it releases it when the run ends. Another process that
 * finds a live claim waits a while and then leaves the run alone, so a restarted runner never trains in a folder
 * that a still-running process (an earlier runner's worker that has not stopped yet, a second notebook sharing
 * the work folder) is writing. A claim whose process is gone is stale and is taken over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { storageError } from '../util/io-errors';
import { processAlive } from '../util/process';

const CLAIM_FILE = 'claim.json';

export interface ClaimHolder {
  pid: number;
  host: string;
  since: string;
}

export interface RunClaim {
  release(): void;
}

export type ClaimResult = { claim: RunClaim } | { heldBy: ClaimHolder; file: string };

export interface ClaimOptions {
  /** How long to wait for a live claim to be released (default 30 s: a stopping worker finishes its batch). */
  waitMs?: number;
  pollMs?: number;
  /** Checked while waiting; true gives up at once (the caller is being interrupted). */
  giveUp?: () => boolean;
}

function readHolder(file: string): ClaimHolder | null {
  try {
    const holder = JSON.parse(fs.readFileSync(file, 'utf8')) as ClaimHolder;
    return Number.isInteger(holder.pid) && typeof holder.host === 'string' ? holder : null;
  } catch {
    return null; // vanished or half-written: treated as no claim
  }
}

/** A claim nobody holds any more: its process is gone (on this host), or it is ours from an earlier call. */
function isStale(holder: ClaimHolder | null): boolean {
  if (holder === null) return true;
  if (holder.host !== os.hostname()) return false; // cannot tell from here: respect it
  return holder.pid === process.pid || !processAlive(holder.pid);
}

function tryClaim(file: string): RunClaim | ClaimHolder {
  const me: ClaimHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  // Written aside, then hard-linked into place: link fails if the claim exists, and never shows a half-written one.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(me));
    return linkClaim(tmp, file, me);
  } catch (error) {
    throw storageError(error, 'claim the run', file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function linkClaim(tmp: string, file: string, me: ClaimHolder): RunClaim | ClaimHolder {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.linkSync(tmp, file);
      return {
        release: () => {
          if (readHolder(file)?.pid === me.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw storageError(error, 'claim the run', file);
      const holder = readHolder(file);
      if (!isStale(holder)) return holder!;
      fs.rmSync(file, { force: true });
    }
  }
  return readHolder(file) ?? { pid: -1, host: os.hostname(), since: '' };
}

export async function claimRun(checkpointDir: string, options: ClaimOptions = {}): Promise<ClaimResult> {
  const file = path.join(checkpointDir, CLAIM_FILE);
  try {
    fs.mkdirSync(checkpointDir, { recursive: true });
  } catch (error) {
    throw storageError(error, 'create the run folder', checkpointDir);
  }
  const deadline = performance.now() + (options.waitMs ?? 30_000);
  for (;;) {
    const got = tryClaim(file);
    if ('release' in got) return { claim: got };
    if (performance.now() >= deadline || options.giveUp?.()) return { heldBy: got, file };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}
