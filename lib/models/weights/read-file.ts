import * as fs from 'node:fs';
import { WeightsError } from '../../errors';

/** A weights file's bytes; a missing or unreadable file is a WeightsError naming it. */
export function readWeightsFile(file: string, what = 'weights file'): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new WeightsError(`cannot read ${what} ${file}: ${(e as Error).message}`, { file });
  }
}
