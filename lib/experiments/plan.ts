/**
 * Expands grids x fractions x seeds into runs with their full configuration and its hash, under one profile
 * and dataset. Runs shared by several grids (e.g. Fig. 4's DenseNet121-TL is Fig. 6's Dens-F) have one hash and
 * run once.
 */
import * as path from 'node:path';
import { ConfigError } from '../errors';
import type { Dataset } from '../data/index';
import { checkEvaluable } from '../data/splits';
import { canonicalJson, hashJson } from '../util/hash';
import { chooseSplit, labelCounts, loadDatasetCached } from './data-plan';
import { defaultFractions, type FractionChoice } from './fractions';
import { defineGrid } from './grids';
import { checkAvailability, normalizeModelSpec, type Availability } from './model-factory';
import { defineProfile } from './profiles';
import { runConfig } from './run-config';
import type { DatasetRef, GridSpec, ProfileSpec, RunSpec, WeightsPaths } from './types';

export interface PlanOptions {
  grids: GridSpec[];
  dataset: DatasetRef;
  profile: ProfileSpec;
  /** Explicit seeds, or a count n meaning seeds 0..n-1 (default: the profile's count). */
  seeds?: number[] | number;
  weights?: WeightsPaths;
  /**
   * Only the runs at these training fractions (e.g. the data-poor end first). The runs keep their grid's whole
   * ladder in their configuration, so they are the same runs, with the same hashes, as in the whole grid.
   */
  fractions?: number[];
  /** Directory for unfinished runs' training state. */
  workDir: string;
}

export interface Plan {
  /** Runs whose weights are here. */
  runs: RunSpec[];
  /** Runs that cannot be done on this machine, with the reason (recorded as such, never dropped). */
  unavailable: Array<{ spec: RunSpec; reason: string }>;
  dataset: Dataset;
  fractions: FractionChoice;
  splitMethod: string;
  splitHash: string;
  /** What a reader of the plan must know about the data: labels without both classes in val or test. */
  dataNotes: string[];
}

export function seedList(seeds: number[] | number | undefined, profile: ProfileSpec): number[] {
  if (Array.isArray(seeds)) return seeds;
  const n = seeds ?? profile.seeds;
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`seeds must be a positive integer, got ${n}`, { field: 'seeds' });
  return Array.from({ length: n }, (_, i) => i);
}

/** The runs at the fractions asked for; a fraction that no grid's ladder has is an error naming the ladder. */
function onlyFractions(runs: RunSpec[], fractions: number[] | undefined): RunSpec[] {
  if (fractions === undefined) return runs;
  const ladder = [...new Set(runs.map((r) => r.config.fraction))].sort((a, b) => a - b);
  const missing = fractions.filter((f) => !ladder.includes(f));
  if (missing.length > 0) {
    throw new ConfigError(`fractions ${missing.join(', ')} are not training fractions of this plan (its fractions: ${ladder.join(', ')})`, {
      field: 'fractions',
    });
  }
  return runs.filter((r) => fractions.includes(r.config.fraction));
}

export async function planRuns(options: PlanOptions): Promise<Plan> {
  const grids = options.grids.map(defineGrid);
  const profile = defineProfile(options.profile);
  const dataset = await loadDatasetCached(options.dataset, { reload: true });
  const split = chooseSplit(dataset);
  const dataNotes = checkEvaluable(split.splits, dataset.labelNames, `dataset '${dataset.id}' (${split.method} split)`);
  const counts = labelCounts(split.splits.train, dataset.labelNames.length);
  const fractionChoice = defaultFractions(counts.positives, counts.negatives, dataset.labelNames);
  const seeds = seedList(options.seeds, profile);
  const weights = options.weights ?? {};
  const runs = new Map<string, RunSpec>();
  const reasons = new Map<string, string>();
  const availability = new Map<string, Promise<Availability>>();
  for (const grid of grids) {
    const tlSource = grid.tlSource ?? 'imagenet';
    const ladder = grid.fractions === 'dataset-default' ? fractionChoice.fractions : [...grid.fractions].sort((a, b) => a - b);
    for (const cell of grid.cells) {
      const model = normalizeModelSpec(cell.model);
      const availabilityKey = canonicalJson({ model, init: cell.init, tlSource });
      if (!availability.has(availabilityKey)) availability.set(availabilityKey, checkAvailability(model, cell.init, weights, tlSource));
      const available = await availability.get(availabilityKey)!;
      for (const fraction of ladder) {
        for (const seed of seeds) {
          const config = runConfig({
            dataset, split, fractionLadder: ladder, fraction, model, init: cell.init, tlSource, profile, seed,
            weights: available.available ? available.weights : null,
          });
          const configHash = hashJson(config);
          if (runs.has(configHash)) continue;
          if (available.available === false) reasons.set(configHash, available.reason);
          runs.set(configHash, {
            configHash, config, grid: grid.id, cellName: cell.name, dataset: options.dataset, tlSource, weightsPaths: weights,
            checkpointDir: path.join(options.workDir, configHash.slice(0, 16)),
            imagesHash: dataset.imagesHash ?? null,
          });
        }
      }
    }
  }
  const all = onlyFractions([...runs.values()], options.fractions);
  return {
    runs: all.filter((r) => !reasons.has(r.configHash)),
    unavailable: all.filter((r) => reasons.has(r.configHash)).map((spec) => ({ spec, reason: reasons.get(spec.configHash)! })),
    dataset, fractions: fractionChoice, splitMethod: split.method, splitHash: split.splits.hash, dataNotes };
}
