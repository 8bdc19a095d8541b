/** Data layer: manifests, loaders, the sharp image pipeline with its disk cache, batches, splits, summaries. */
export type {
  Batch,
  BatchSource,
  BatchSourceOptions,
  Dataset,
  DatasetItem,
  ImagePipelineOptions,
  ImageRef,
  SplitName,
} from './types';

export { loadManifest, listManifestIds, manifestSchema, manifestsDir, type DatasetManifest, type LoadedManifest } from './manifest';
export { DATASETS, DATASET_IDS, datasetEntry, defaultDataDir, defaultDatasetRoot, isDatasetId, loadDataset, validateDatasetOptions, type DatasetEntry, type DatasetId, type DatasetOptions } from './registry';
export type { ChexpertOptions } from './loaders/chexpert';
export type { CovidCohenOptions } from './loaders/covid-cohen';
export type { CsvDatasetOptions } from './loaders/csv-dataset';
export {
  DEFAULT_KERMANY_ROOT,
  KERMANY_SPLIT_SCHEMES,
  KERMANY_TASKS,
  type KermanyPneumoniaOptions,
  type KermanySplitScheme,
  type KermanyTask,
} from './loaders/kermany-pneumonia';
export { prepareKermanyPneumonia, type PrepareKermanyOptions, type PrepareKermanyResult } from './prepare-kermany';
export { MEDMNIST_LABELS, type MedmnistOptions, type MedmnistVariant } from './loaders/medmnist';
export type { SyntheticCxrOptions } from './loaders/synthetic';
export type { CommonLoadOptions } from './loaders/common';
export type { OnBadRow } from './bad-rows';
export type { ImageCheck } from './image-check';
export { applyLabelPolicy, type LabelPolicy, type UncertaintyPolicy } from './label-policy';
export { parseNpy, readNpz, type NpyArray } from './npy';

export { ImageCache, defaultCacheDir } from './image/cache';
export { decodeToGray, type GrayImage } from './image/decode';
export { fitSquare } from './image/fit';
export { randomResizedCropBox, type CropBox } from './image/augment';
export { NORMALIZATION, normalizationTables, type Normalization, type NormalizationSpec } from './image/normalize';
export { DEFAULT_RANDOM_RESIZED_CROP, PIPELINE_VERSION, baseSide, loadPipelineImage } from './image/pipeline';
export { createBatchSource, type BatchSourceExtras } from './batches';
export { createDecodePool, type DecodePool, type DecodePoolOptions } from './image/decode-pool';

export {
  applySplits,
  assertNoPatientLeak,
  loadSplits,
  saveSplits,
  splitDataset,
  type LoadedSplits,
  type SplitOptions,
  type Splits,
} from './splits';
export { subsampleNested, type SubsampleOptions } from './subsample';
export {
  labelSummary,
  splitSummary,
  summarizeLabels,
  summarizeSplits,
  summarizeViews,
  viewSummary,
  type LabelSummaryRow,
  type SplitSummaryRow,
} from './summaries';
export {
  prepareCovidCohen,
  prepareFromSources,
  processSourceImage,
  verifyPreparedFolder,
  type VerifyOptions,
  type VerifyResult,
  type FetchBytes,
  type PrepareOptions,
  type PrepareResult,
  type SourceFile,
} from './prepare-covid';
export { decodeAndFit, decodeAndFitTraced, type DecodePath, type FittedImage } from './image/pipeline';
