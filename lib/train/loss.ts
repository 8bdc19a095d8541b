/**
 * Binary cross-entropy on logits with an optional per-label positive weight and a label mask, the same
 * quantity as torch `BCEWithLogitsLoss(pos_weight=…)` restricted to the counted entries.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Sum over counted entries of pos_weight·y·softplus(-z) + (1-y)·softplus(z). Written with softplus so
 * large |z| neither overflows nor loses precision (log(sigmoid(z)) = -softplus(-z)).
 * Returns a scalar; the caller divides by the count of counted entries of the whole (accumulated) batch.
 */
export function maskedBceWithLogitsSum(
  logits: tf.Tensor2D,
  targets: tf.Tensor2D,
  mask: tf.Tensor2D | null,
  posWeight: tf.Tensor1D | null,
): tf.Scalar {
  return tf.tidy(() => {
    const positive = tf.mul(targets, tf.softplus(tf.neg(logits)));
    const weightedPositive = posWeight ? tf.mul(positive, posWeight) : positive;
    const negative = tf.mul(tf.sub(1, targets), tf.softplus(logits));
    const perEntry = tf.add(weightedPositive, negative);
    const counted = mask ? tf.mul(perEntry, mask) : perEntry;
    return tf.sum(counted) as tf.Scalar;
  });
}

/** Number of entries that count in a batch's loss: the mask's sum, or every entry when there is no mask. */
export function countedEntries(mask: Float32Array | undefined, totalEntries: number): number {
  if (!mask) return totalEntries;
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]!;
  return n;
}
