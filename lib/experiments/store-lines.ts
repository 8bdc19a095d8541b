/**
 * How run records are written as lines of the results store, and read back.
 *
 * A record's per-item test scores are most of its size, and most of that repeats: every run on a split has the
 * same test ids and labels. So the store writes each split's ids and labels once, as a test-items line
 * (`{"testItems": <key>, "ids": [...], "labels": [...]}`) before the first record that uses them, and the
 * record's `testScores` keeps only `items: <key>`, its logits and (rarely) a mask. Logits are float32 values,
 * written with the fewest digits that read back as the same float32; probabilities are not written at all but
 * derived from the logits on reading (`scoreOfLogit`, the same function that made them). Records of older stores,
 * with ids and scores inline, read as before. In memory every record has the full `testScores` either way.
 */
import { DataError } from '../errors';
import { sha256Hex } from '../util/hash';
import { checkRunRecord } from './record-schema';
import type { RunRecord } from './types';

type TestScores = NonNullable<RunRecord['testScores']>;

/** A split's test ids and labels (labels item-major: ids.length x labels per item). */
interface TestItems {
  ids: string[];
  labels: number[];
}

/** The stored probability of a logit: its sigmoid to 7 significant digits (what curves and tables show). */
export function scoreOfLogit(logit: number): number {
  return Number((1 / (1 + Math.exp(-logit))).toPrecision(7));
}

/** The shortest decimal that reads back (through Math.fround) as the same float32. */
function float32Number(value: number): number {
  const single = Math.fround(value);
  if (!Number.isFinite(single)) return single;
  for (let digits = 1; digits < 9; digits++) {
    const short = Number(single.toPrecision(digits));
    if (Math.fround(short) === single) return short;
  }
  return Number(single.toPrecision(9)); // 9 significant digits always identify a float32
}

const itemsKey = (items: TestItems): string => sha256Hex(JSON.stringify([items.ids, items.labels])).slice(0, 16);

/** Writes records as store lines, remembering which test-items lines the store already holds. */
export class StoreLineWriter {
  private readonly known: Set<string>;

  constructor(knownItemKeys: Iterable<string> = []) {
    this.known = new Set(knownItemKeys);
  }

  /** The line(s) for one record: a test-items line first when its items are new to the store. */
  lines(record: RunRecord): { text: string; newItemKey?: string } {
    const scores = record.testScores;
    if (!scores) return { text: `${JSON.stringify(record)}\n` };
    const logits = scores.logits;
    // JSON has no NaN or Infinity: such a value would be written as null and make the line unreadable.
    const values = logits ?? scores.scores;
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const run = `${record.grid} ${record.cellName} seed ${record.seed}`;
      throw new DataError(`${run}: test score ${bad} is ${values[bad]}, which a results store cannot hold`, { field: 'testScores', row: bad });
    }
    const key = itemsKey({ ids: scores.ids, labels: scores.labels });
    const { ids: _ids, labels: _labels, scores: probabilities, logits: _logits, ...rest } = scores;
    const stored = logits
      ? { items: key, logits: logits.map(float32Number), ...rest }
      : { items: key, scores: probabilities, ...rest }; // older records: ranked by the probabilities they kept
    const recordLine = `${JSON.stringify({ ...record, testScores: stored })}\n`;
    if (this.known.has(key)) return { text: recordLine };
    const itemsLine = `${JSON.stringify({ testItems: key, ids: scores.ids, labels: scores.labels })}\n`;
    return { text: itemsLine + recordLine, newItemKey: key };
  }

  /** Call once the lines of `lines()` are durably written. */
  written(newItemKey: string | undefined): void {
    if (newItemKey !== undefined) this.known.add(newItemKey);
  }
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');

/** Reads store lines in order: test-items lines are remembered, records come back with their full testScores. */
export class StoreLineReader {
  private readonly items = new Map<string, TestItems>();

  constructor(private readonly file: string) {}

  get itemKeys(): string[] {
    return [...this.items.keys()];
  }

  /** The record on this line, or null for a test-items line. Throws a DataError naming the line and field. */
  read(value: unknown, lineNumber: number): RunRecord | null {
    const fail = (problem: string, field: string): DataError =>
      new DataError(`${this.file}: line ${lineNumber} is not a valid ${problem}; the store was edited or corrupted`, { file: this.file, row: lineNumber, field });
    if (typeof value === 'object' && value !== null && 'testItems' in value) return this.readItems(value as Record<string, unknown>, fail);
    const checked = checkRunRecord(value);
    if ('problem' in checked) throw fail(`run record (${checked.problem})`, checked.field);
    const scores = checked.record.testScores as unknown as Record<string, unknown> | undefined;
    if (scores === undefined || !('items' in scores)) return checked.record;
    return { ...checked.record, testScores: this.expand(scores, fail) };
  }

  private readItems(value: Record<string, unknown>, fail: (problem: string, field: string) => DataError): null {
    const { testItems: key, ids, labels } = value;
    if (typeof key !== 'string') throw fail('test-items line (field "testItems" must be a string)', 'testItems');
    if (!isStringArray(ids)) throw fail('test-items line (field "ids" must be an array of strings)', 'ids');
    if (!isNumberArray(labels) || ids.length === 0 || labels.length % ids.length !== 0) {
      throw fail(`test-items line (field "labels" must be numbers, a multiple of the ${ids.length} ids)`, 'labels');
    }
    if (itemsKey({ ids, labels }) !== key) throw fail(`test-items line (its ids and labels do not hash to its key ${key})`, 'testItems');
    this.items.set(key, { ids, labels });
    return null;
  }

  private expand(stored: Record<string, unknown>, fail: (problem: string, field: string) => DataError): TestScores {
    const { items: key, logits, scores, mask, ...rest } = stored;
    const items = typeof key === 'string' ? this.items.get(key) : undefined;
    if (!items) throw fail(`run record (field "testScores.items": no earlier test-items line has key ${String(key)})`, 'testScores.items');
    const values = logits ?? scores;
    if (!isNumberArray(values) || values.length !== items.labels.length) {
      const field = `testScores.${logits ? 'logits' : 'scores'}`;
      throw fail(`run record (field "${field}" must be ${items.labels.length} numbers, one per item and label)`, field);
    }
    if (mask !== undefined && (!isNumberArray(mask) || mask.length !== items.labels.length)) {
      throw fail(`run record (field "testScores.mask" must be ${items.labels.length} numbers)`, 'testScores.mask');
    }
    const single = logits ? values.map(Math.fround) : undefined;
    return {
      ...rest,
      ids: items.ids,
      labels: items.labels,
      scores: single ? single.map(scoreOfLogit) : values,
      ...(single ? { logits: single } : {}),
      ...(mask !== undefined ? { mask: mask as number[] } : {}),
    };
  }
}
