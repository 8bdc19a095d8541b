/** Reading the committed digitisation of the paper's bars (parsing is pure: ../paper-values.ts). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DataError } from '../../errors';
import { parsePaperValues } from '../paper-values';
import type { PaperValue } from '../types';

/** The committed digitisation, relative to this file so it resolves from tests, scripts and notebooks alike. */
export const DEFAULT_PAPER_VALUES_PATH = path.resolve(__dirname, '../../../paper/paper-figures-v1.csv');

/** Read the paper's digitised values; defaults to the committed `paper/paper-figures-v1.csv`. */
export function loadPaperValues(file: string = DEFAULT_PAPER_VALUES_PATH): PaperValue[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read paper values '${file}': ${(err as Error).message}`, { file });
  }
  return parsePaperValues(text, file);
}
