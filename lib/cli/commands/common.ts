import * as path from 'node:path';

/** 0 success; 1 some runs failed (each failure is recorded with its run); 2 bad usage or configuration; 3 unexpected. */
export const EXIT = { ok: 0, runsFailed: 1, usage: 2, unexpected: 3 } as const;

/** Set by commands whose result is not plain success (failed runs). */
export interface Outcome {
  code: number;
}

export const DEFAULT_STORE = path.resolve(__dirname, '..', '..', '..', 'results');
