/**
 * Training-data fractions. The paper uses 5%, 10% and 100% of a training set where 5% still held 88 positives
 * and 1,451 negatives. On a small dataset (the public COVID set has 184 training images, 51 negative) 5% would
 * leave about 9 images and 2-3 negatives: AUROC/AUPRC of such a model say more about which images were drawn
 * than about transfer learning. So the default is the paper's ladder when it keeps enough images of each class,
 * else the first coarser ladder that does:
 *
 *   [5%, 10%, 100%] -> [10%, 20%, 100%] -> [25%, 50%, 100%] -> [50%, 75%, 100%] -> [100%]
 *
 * "Enough" = at least MIN_PER_CLASS positives and MIN_PER_CLASS negatives of every label in the smallest subset
 * (expected counts under the stratified nested subsampling the runner uses). For the public COVID set
 * (133 positive / 51 negative training images) that gives 25% / 50% / 100%: 46 / 92 / 184 images, the smallest
 * with about 33 positives and 13 negatives.
 */
export const PAPER_FRACTIONS: readonly number[] = [0.05, 0.1, 1];
export const FRACTION_LADDERS: readonly (readonly number[])[] = [PAPER_FRACTIONS, [0.1, 0.2, 1], [0.25, 0.5, 1], [0.5, 0.75, 1], [1]];
export const MIN_PER_CLASS = 10;

export interface FractionChoice {
  fractions: number[];
  reason: string;
}

/**
 * @param positives per label, positives among the counted training items
 * @param negatives per label, negatives among the counted training items
 */
export function defaultFractions(positives: number[], negatives: number[], labelNames: string[]): FractionChoice {
  const smallestClass = Math.min(...positives, ...negatives);
  for (const ladder of FRACTION_LADDERS) {
    const smallest = ladder[0]!;
    if (ladder.length === 1) {
      return { fractions: [1], reason: `no subsampling: the rarest class in training has only ${smallestClass} items` };
    }
    if (Math.floor(smallestClass * smallest) >= MIN_PER_CLASS) {
      const which = ladder === PAPER_FRACTIONS ? "the paper's fractions" : `coarser than the paper's 5/10/100%`;
      const label = labelNames[[...positives, ...negatives].indexOf(smallestClass) % labelNames.length];
      return {
        fractions: [...ladder],
        reason:
          `${which}: the rarest class in training (${smallestClass} items, label '${label}') keeps ` +
          `${Math.floor(smallestClass * smallest)} >= ${MIN_PER_CLASS} items at ${smallest * 100}%`,
      };
    }
  }
  return { fractions: [1], reason: 'no subsampling' };
}
