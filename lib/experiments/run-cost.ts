/**
 * What a run costs, for scheduling only: the runner starts the most expensive runs first so that its workers
 * finish together instead of one training a long run alone at the end.
 */
import { MODELS } from '../models/registry';
import { INITS, type RunConfig } from './types';

/**
 * Estimated training milliseconds per image of the training split: the registry's measured cost at 224 px, scaled
 * by pixel area (every model here is convolutional up to its pooling). The runs of one plan share a dataset, so
 * per-image is enough to compare them.
 */
function msPerImage(config: RunConfig): number {
  const cost = MODELS[config.cell.model.id].trainMsPerImage224;
  const atCut = cost[config.cell.model.truncation ?? 'F'] ?? cost.F;
  return atCut * (config.pipeline.size / 224) ** 2;
}

/** Estimated milliseconds of one run per training-split image: a linear probe is one pass, training is its epochs. */
export function estimatedRunCost(config: RunConfig): number {
  const passes = INITS[config.cell.init].method === 'linear-probe' ? 1 : config.training.epochs;
  return msPerImage(config) * config.fraction * passes;
}

/** The same runs, most expensive first. */
export function mostExpensiveFirst<T extends { config: RunConfig }>(runs: T[]): T[] {
  return [...runs].sort((a, b) => estimatedRunCost(b.config) - estimatedRunCost(a.config));
}
