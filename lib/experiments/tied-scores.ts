/**
 * Records evaluated before metrics ranked by logits (lib/train/evaluate.ts `labelColumn`): those runs ranked
 * by float32 sigmoid outputs, which saturate to exactly 1 (or 0) for |logit| above about 17. Where that made
 * scores tie, their test metrics, and possibly the epoch validation picked, are wrong. This finds them, so the
 * store can forget them and the runner train them again (`rethink-tl forget --tied-scores`).
 */
import type { RunRecord } from './types';

/** Why a record's numbers cannot be trusted, or null when they can (or it has nothing to judge). */
export function tiedScoresReason(record: RunRecord): string | null {
  if (record.status !== 'ok') return null;
  const scores = record.testScores;
  if (scores?.logits) return null; // ranked by logits: not affected
  if (scores && new Set(scores.scores).size < scores.scores.length) return 'test probabilities tie';
  // A validation AUROC of exactly 0.5 is what fully tied scores give; the selected epoch may then be wrong.
  const halfEpochs = (record.curve ?? []).filter((e) => e.val.some((v) => v.auroc === 0.5)).map((e) => e.epoch);
  if (halfEpochs.length > 0) return `validation AUROC exactly 0.5 at epoch ${halfEpochs.join(', ')}`;
  return null;
}
