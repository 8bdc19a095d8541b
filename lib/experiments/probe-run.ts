/**
 * A linear-probe run (init 'LP'): the cell's pretrained backbone is frozen, its globally pooled features after the
 * cut are computed once for every image of the dataset (and cached on disk, shared by every fraction, seed, split
 * scheme and cut level of the same backbone and pixels), and only an L2 logistic regression per label is fitted
 * on the run's training subset, its C chosen on the validation split by the profile's selection metric. The
 * record has the same shape as a fine-tuned run's; instead of an epoch curve it stores every C's validation result.
 */
import * as path from 'node:path';
import { createBatchSource, PIPELINE_VERSION, type Dataset, type ImagePipelineOptions } from '../data/index';
import { ConfigError } from '../errors';
import { modelEntry } from '../models/registry';
import { pooledFeatures } from '../models/surgery';
import type { Truncation } from '../models/types';
import { defaultWeightsCacheDir } from '../models/weights/cache';
import type { WeightsInfo } from '../models/weights/sources';
import { featureCacheKey, readFeatureCache, writeFeatureCache } from '../train/feature-cache';
import { extractPooledFeatures, fitLinearProbe, predictLinearProbe, selectRows, type FeatureMatrix, type LinearProbe } from '../train/linear-probe';
import type { ExecuteRunOptions } from './execute';
import { trainingSettings } from './run-config';
import { provenanceOf, storedScores, testMetrics, type Elapsed, type RunBase, type RunData } from './run-outputs';
import type { ProbeSummary, RunRecord, RunSpec } from './types';

const LEVELS: Truncation[] = ['T1', 'T2', 'T3', 'F'];
/** Bumped when the feature extraction changes, so cached features of the old kind are never read. */
const FEATURES_VERSION = 1;

/** Where frozen features are cached: `features/` beside the weights cache (like the run checkpoints). */
export function defaultFeatureCacheDir(): string {
  return path.join(path.dirname(defaultWeightsCacheDir()), 'features');
}

interface AllFeatures {
  /** One matrix per truncation level (T1, T2, T3, F), rows = every dataset item, by id. */
  levels: FeatureMatrix[];
  cached: boolean;
}

/** Every cut's pooled features of every dataset image: from the cache, or one forward pass per image. */
async function datasetFeatures(spec: RunSpec, dataset: Dataset, weights: WeightsInfo, options: ExecuteRunOptions): Promise<AllFeatures> {
  const { config } = spec;
  const entry = modelEntry(config.cell.model.id);
  if (!entry.cuts) throw new ConfigError(`${entry.displayName} is used whole; a linear probe needs its cut points`, { field: 'model', key: config.cell.model.id });
  const pixels: ImagePipelineOptions = { size: config.pipeline.size, channels: config.pipeline.channels, fit: config.pipeline.fit, normalize: config.pipeline.normalize };
  const items = [...dataset.items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ids = items.map((i) => i.id);
  const key = featureCacheKey({
    version: FEATURES_VERSION, model: config.cell.model.id, weights: weights.sha256 ?? weights.source, pixels,
    imagePipeline: PIPELINE_VERSION, images: dataset.imagesHash ?? dataset.contentHash, levels: LEVELS,
  });
  const labelled = (values: Float32Array, dim: number): FeatureMatrix => {
    const byId = new Map(items.map((item) => [item.id, item]));
    const numLabels = dataset.labelNames.length;
    const labels = new Float32Array(ids.length * numLabels);
    const mask = new Float32Array(ids.length * numLabels).fill(1);
    ids.forEach((id, r) => {
      const item = byId.get(id)!;
      for (let k = 0; k < numLabels; k++) {
        labels[r * numLabels + k] = item.labels[k]!;
        if (item.mask) mask[r * numLabels + k] = item.mask[k]!;
      }
    });
    return { ids, dim, values, numLabels, labels, mask };
  };
  const cached = readFeatureCache(defaultFeatureCacheDir(), key, ids);
  if (cached) return { levels: cached.values.map((v, k) => labelled(v, cached.dims[k]!)), cached: true };
  const backbone = await entry.build({ numClasses: dataset.labelNames.length, inputSize: pixels.size, channels: pixels.channels, seed: 0, weights, paths: spec.weightsPaths });
  try {
    const extractor = pooledFeatures(backbone, LEVELS.map((level) => ({ layer: entry.cuts![level], relu: level === 'F' && entry.reluBeforeGapHead })));
    const source = createBatchSource(dataset, items, { batchSize: config.training.microBatchSize, shuffle: false, seed: 0, pipeline: pixels, augment: false });
    const levels = await extractPooledFeatures(extractor, source, { onProgress: (done, total) => options.onProgress?.({ type: 'features', done, total }) });
    writeFeatureCache(defaultFeatureCacheDir(), key, levels);
    return { levels: levels.map((m) => labelled(m.values, m.dim)), cached: false };
  } finally {
    backbone.dispose();
  }
}

function probeSummary(probe: LinearProbe, featureDim: number, featuresCached: boolean): ProbeSummary {
  return {
    C: probe.C,
    featureDim,
    featuresCached,
    curve: probe.curve.map((p) => ({ C: p.C, valLoss: p.valLoss, valMeanAuroc: p.valMeanAuroc, valMeanAuprc: p.valMeanAuprc, converged: p.converged })),
  };
}

/** The LP arm's counterpart of fine-tuning's train-and-test: features, probe, test metrics, record. */
export async function probeAndTest(
  spec: RunSpec,
  data: RunData,
  weights: WeightsInfo | null,
  options: ExecuteRunOptions,
  base: RunBase,
  elapsed: Elapsed,
): Promise<RunRecord> {
  const { config } = spec;
  if (!weights) throw new ConfigError(`linear probe of ${config.cell.model.id} needs pretrained weights`, { field: 'weights' });
  const { dataset, splits, trainItems } = data;
  const all = await datasetFeatures(spec, dataset, weights, options);
  const level = LEVELS.indexOf(config.cell.model.truncation ?? 'F');
  const features = all.levels[level]!;
  const rows = (items: Array<{ id: string }>): FeatureMatrix => selectRows(features, items.map((i) => i.id));
  const probe = fitLinearProbe(rows(trainItems), rows(splits.val), {
    labelNames: dataset.labelNames,
    selectBy: trainingSettings(config.training).selectBy,
    onPoint: (point, index, total) => options.onProgress?.({ type: 'probe', index: index + 1, total, C: point.C, valMeanAuprc: point.valMeanAuprc }),
  });
  const predictions = predictLinearProbe(probe, rows(splits.test));
  const params = (features.dim + 1) * dataset.labelNames.length;
  return {
    ...base,
    status: 'ok',
    finishedAt: new Date().toISOString(),
    wallSeconds: elapsed(),
    test: testMetrics(predictions, dataset.labelNames, config.seed, options.bootstrap),
    probe: probeSummary(probe, features.dim, all.cached),
    provenance: provenanceOf(data, weights, params, config.pipeline.size),
    ...(storedScores(predictions) ? { testScores: storedScores(predictions) } : {}),
  };
}
