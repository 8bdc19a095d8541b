/**
 * Reads test/fixtures/metrics-golden.json (made by scripts/gen-metrics-golden.py with scikit-learn) and
 * rebuilds each case's inputs: verbatim, from an LCG recipe, or from the paper's positive ranks. The LCG and
 * the score formula mirror the Python script operation for operation, so the generated doubles are identical.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface EncodedArray {
  values?: number[];
  length?: number;
  sum?: number;
  sampleIndices?: number[];
  samples?: number[];
}

export interface Recipe {
  seed: number;
  n: number;
  rate?: number;
  positiveIndices?: number[];
  shift: number;
  levels?: number;
  scale?: number;
  offset?: number;
}

export interface GoldenCase {
  name: string;
  input?: { labels: number[]; scores: number[] };
  recipe?: Recipe;
  inputChecksum?: { n: number; positives: number; scoreSum: number };
  ranks?: { n: number; positiveRanks: number[] };
  positives: number;
  negatives: number;
  roc?: { fpr: EncodedArray; tpr: EncodedArray; thresholds: EncodedArray };
  pr?: { precision: EncodedArray; recall: EncodedArray; thresholds: EncodedArray };
  auroc?: number;
  auprcTrapezoid?: number;
  averagePrecision?: number;
}

export interface GoldenFixture {
  sklearnVersion: string;
  cases: GoldenCase[];
}

export function loadGolden(): GoldenFixture {
  const file = path.resolve(__dirname, '../fixtures/metrics-golden.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as GoldenFixture;
}

/** Numerical Recipes' 32-bit LCG, as in the Python script. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(1664525, state) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

export function generate(recipe: Recipe): { labels: Uint8Array; scores: Float64Array } {
  const next = lcg(recipe.seed);
  const positives = new Set(recipe.positiveIndices ?? []);
  const labels = new Uint8Array(recipe.n);
  const scores = new Float64Array(recipe.n);
  for (let i = 0; i < recipe.n; i++) {
    const a = next();
    const b = next();
    const y = recipe.positiveIndices !== undefined ? (positives.has(i) ? 1 : 0) : a < recipe.rate! ? 1 : 0;
    let s = b + recipe.shift * y;
    if (recipe.levels) s = Math.floor(s * recipe.levels) / recipe.levels;
    s = s * (recipe.scale ?? 1.0) + (recipe.offset ?? 0.0);
    labels[i] = y;
    scores[i] = s;
  }
  return { labels, scores };
}

export function fromRanks(n: number, positiveRanks: number[]): { labels: Uint8Array; scores: Float64Array } {
  const labels = new Uint8Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = n - i;
  for (const r of positiveRanks) labels[r - 1] = 1;
  return { labels, scores };
}

export function caseInputs(c: GoldenCase): { labels: ArrayLike<number>; scores: ArrayLike<number> } {
  if (c.input) return c.input;
  if (c.recipe) return generate(c.recipe);
  if (c.ranks) return fromRanks(c.ranks.n, c.ranks.positiveRanks);
  throw new Error(`golden case "${c.name}" has no inputs`);
}
