/**
 * The toy example of the paper's Fig. 2 (project page, sun-umn/TTL gh-pages `index.md`): a rare disease with
 * 10 positives and 990 negatives; classifier A places the positives uniformly at random among its top 12
 * predictions, classifier B among its top 30. Both have a high AUROC, but B pays 2 false positives per true
 * positive where A pays 0.2 — precision sees it, the ROC curve barely does.
 *
 * "Uniformly at random within the top K" means every K-choose-P set of positive ranks is equally likely;
 * the remaining N - (K - P) negatives rank below all positives.
 */
import { ConfigError } from '../errors';
import { createRng, type Rng } from '../util/random';

export interface ToySpec {
  /** Number of positives P. */
  nPos: number;
  /** Number of negatives N. */
  nNeg: number;
  /** The positives are spread over ranks 1..topK. */
  topK: number;
}

export interface ToyRanking extends ToySpec {
  /** 1-based ranks of the positives (1 = highest score), ascending. */
  positiveRanks: number[];
}

/** The paper's two classifiers. */
export const TOY_CLASSIFIERS = {
  CA: { nPos: 10, nNeg: 990, topK: 12 },
  CB: { nPos: 10, nNeg: 990, topK: 30 },
} as const satisfies Record<string, ToySpec>;

/**
 * Positive ranks of the realisation drawn in the 2021 figure (`roc.png` / `prc.png` on the project page),
 * read off the curves; source: paper/paper-facts.md §5.5.
 */
export const PAPER_2021_REALISATION = {
  CA: [1, 2, 3, 4, 5, 6, 7, 8, 10, 12],
  CB: [2, 4, 5, 9, 10, 11, 15, 24, 25, 29],
} as const;

/**
 * AUROC / AUPRC of the 2021 realisation as derived in paper/paper-facts.md §5.5 (no source gives
 * numbers for this example; these were computed there from the ranks read off the figure, with
 * scikit-learn's roc_auc_score, auc(precision_recall_curve) and average_precision_score). 3-4 digits.
 */
export const PAPER_FACTS_2021_VALUES = {
  source: 'paper/paper-facts.md §5.5 [DERIVED] from the 2021 project-page figure (sun-umn/TTL gh-pages @14ff472)',
  CA: { auroc: 0.9997, auprcTrapezoid: 0.972, averagePrecision: 0.973 },
  CB: { auroc: 0.992, auprcTrapezoid: 0.407, averagePrecision: 0.46 },
} as const;

export function validateToySpec(spec: ToySpec): void {
  const { nPos, nNeg, topK } = spec;
  for (const [field, value] of Object.entries({ nPos, nNeg, topK })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ConfigError(`toy spec: ${field} must be a positive integer, got ${value}`, { field });
    }
  }
  if (topK < nPos || topK > nPos + nNeg) {
    throw new ConfigError(`toy spec: topK must be between nPos (${nPos}) and nPos + nNeg (${nPos + nNeg}), got ${topK}`, {
      field: 'topK',
    });
  }
}

/** One ranking: P distinct ranks drawn uniformly from 1..K (partial Fisher-Yates). */
export function drawToyRanking(spec: ToySpec & { seed: number }): ToyRanking {
  return drawWith(spec, createRng(spec.seed));
}

/** `count` independent rankings from one seeded stream (for Monte-Carlo studies). */
export function drawToyRankings(spec: ToySpec, count: number, seed: number): ToyRanking[] {
  if (!Number.isInteger(count) || count < 1) throw new ConfigError(`count must be a positive integer, got ${count}`, { field: 'count' });
  const rng = createRng(seed);
  return Array.from({ length: count }, () => drawWith(spec, rng));
}

function drawWith(spec: ToySpec, rng: Rng): ToyRanking {
  validateToySpec(spec);
  const slots = Array.from({ length: spec.topK }, (_, i) => i + 1);
  for (let i = 0; i < spec.nPos; i++) {
    const j = i + rng.int(spec.topK - i);
    const tmp = slots[i]!;
    slots[i] = slots[j]!;
    slots[j] = tmp;
  }
  const positiveRanks = slots.slice(0, spec.nPos).sort((a, b) => a - b);
  return { nPos: spec.nPos, nNeg: spec.nNeg, topK: spec.topK, positiveRanks };
}

export interface LabelledScores {
  labels: Float64Array;
  scores: Float64Array;
}

/**
 * Labels and scores whose ranking is the given one: item at rank r gets score (n - r + 1) / n, distinct and
 * in (0, 1], so any threshold-based metric sees exactly this ranking.
 */
export function scoresFromRanks(positiveRanks: readonly number[], nTotal: number): LabelledScores {
  if (!Number.isInteger(nTotal) || nTotal < 1) throw new ConfigError(`nTotal must be a positive integer, got ${nTotal}`, { field: 'nTotal' });
  const labels = new Float64Array(nTotal);
  const scores = new Float64Array(nTotal);
  for (let r = 1; r <= nTotal; r++) scores[r - 1] = (nTotal - r + 1) / nTotal;
  positiveRanks.forEach((rank, i) => {
    if (!Number.isInteger(rank) || rank < 1 || rank > nTotal) {
      throw new ConfigError(`positiveRanks[${i}] = ${rank} is not a rank in 1..${nTotal}`, { field: 'positiveRanks', row: i });
    }
    if (labels[rank - 1] === 1) throw new ConfigError(`positiveRanks[${i}] = ${rank} is repeated`, { field: 'positiveRanks', row: i });
    labels[rank - 1] = 1;
  });
  return { labels, scores };
}

/**
 * Exact E[AUROC]. AUROC = 1 - (number of (negative, positive) pairs with the negative ranked higher) / (P N).
 * Only the K - P negatives inside the top K can outrank a positive; for any such negative and any positive,
 * their two positions are a uniformly random pair of slots, so the negative is higher with probability 1/2.
 * Hence E[#pairs] = P (K - P) / 2 and E[AUROC] = 1 - (K - P) / (2 N).
 */
export function expectedAuroc(spec: ToySpec): number {
  validateToySpec(spec);
  return 1 - (spec.topK - spec.nPos) / (2 * spec.nNeg);
}

export interface ToyExpectations {
  auroc: number;
  /** E[average precision] = (1/P) sum_i E[i / r_i]. */
  averagePrecision: number;
  /** E[trapezoidal AUPRC on sklearn's PR curve], see `expectedToyMetrics`. */
  auprcTrapezoid: number;
}

/**
 * Exact expectations of all three metrics under the random-top-K model, from the distribution of the i-th
 * positive's rank r_i (an order statistic of a uniform P-subset of 1..K):
 *   Pr(r_i = r) = C(r-1, i-1) C(K-r, P-i) / C(K, P),   r = i .. K-P+i.
 * Average precision is (1/P) sum_i i / r_i. The trapezoidal area on scikit-learn's PR curve only grows when a
 * positive is passed: from the point before it (precision (i-1)/(r_i-1), or the appended (0, 1) point when
 * r_i = 1) to precision i / r_i, over a recall step of 1/P.
 */
export function expectedToyMetrics(spec: ToySpec): ToyExpectations {
  validateToySpec(spec);
  const { nPos: P, topK: K } = spec;
  const logFact = logFactorials(K);
  const logChoose = (n: number, k: number): number => logFact[n]! - logFact[k]! - logFact[n - k]!;
  const logTotal = logChoose(K, P);
  let ap = 0;
  let trapezoid = 0;
  for (let i = 1; i <= P; i++) {
    for (let r = i; r <= K - P + i; r++) {
      const prob = Math.exp(logChoose(r - 1, i - 1) + logChoose(K - r, P - i) - logTotal);
      const precisionAt = i / r;
      const precisionBefore = r === 1 ? 1 : (i - 1) / (r - 1);
      ap += prob * precisionAt;
      trapezoid += prob * (precisionBefore + precisionAt) / 2;
    }
  }
  return { auroc: expectedAuroc(spec), averagePrecision: ap / P, auprcTrapezoid: trapezoid / P };
}

function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) out[i] = out[i - 1]! + Math.log(i);
  return out;
}
