/**
 * Public API of rethink-tl: what notebooks and users call, in pipeline order
 * data -> backend -> models -> train -> metrics -> experiments -> report -> plots. Everything else (loaders'
 * internals, kernels, the runner's processes) stays importable by path, e.g. `./lib/data/splits`.
 *
 * Folder imports are written out as `./x/index`: tslab (the notebook kernel) resolves `./x` to `./x.js` only,
 * so a bare folder import type-checks but fails at run time inside a notebook.
 */
export { BackendError, ConfigError, DataError, MetricInputError, RethinkError, WeightsError, type ErrorDetails } from './errors';
export { createRng, deriveSeed, type Rng } from './util/random';
export { canonicalJson, hashJson } from './util/hash';

// Data: one registry of datasets, splits, batches, summaries.
export { DATASETS, DATASET_IDS, defaultDataDir, defaultDatasetRoot, loadDataset, type DatasetId, type DatasetOptions } from './data/registry';
export { listManifestIds, loadManifest, type DatasetManifest } from './data/manifest';
export { assertNoPatientLeak, loadSplits, saveSplits, splitDataset, type SplitOptions, type Splits } from './data/splits';
export { subsampleNested } from './data/subsample';
export { createBatchSource, imageBatch } from './data/batches';
export { NORMALIZATION, type Normalization } from './data/image/normalize';
export { labelSummary, splitSummary, summarizeLabels, summarizeSplits, summarizeViews, viewSummary } from './data/summaries';
export { prepareCovidCohen, verifyPreparedFolder } from './data/prepare-covid';
export type { Batch, BatchSource, Dataset, DatasetItem, ImagePipelineOptions } from './data/types';

export { getBackendInfo, initBackend } from './backend/select';
export type { BackendChoice, BackendInfo } from './backend/types';

// Models: one registry of models, their builders, surgery and weights.
export { MODELS, MODEL_IDS, modelEntry, truncateModel, type ModelEntry, type ModelId } from './models/registry';
export { TRUNCATIONS, type CutPoints, type Truncation } from './models/types';
export { densenet121 } from './models/densenet';
export { resnet50 } from './models/resnet';
export { cbr, type CbrVariant } from './models/cbr';
export { truncateAt, truncateDenseNet, type HeadKind, type HeadOptions } from './models/surgery';
export { countParams, describeModel } from './models/params';
export { applyTorchInit } from './models/init';
export { loadTorchvisionWeights } from './models/weights/torchvision';
export { readSafetensors, writeSafetensors } from './models/weights/safetensors';
export { loadCheckpoint, saveCheckpoint } from './models/weights/tfjs-files';
export { loadKerasResNet50 } from './models/weights/keras-resnet50';
export { loadMobileNetV1 } from './models/weights/mobilenet';
export { downloadTorchvisionWeights } from './models/weights/download';
export { preprocessImages, type PretrainedSource, type TransferSource, type WeightsInfo, type WeightsPaths } from './models/weights/sources';

export { predict, train } from './train/index';
export type { EpochRecord, TrainConfig, TrainResult } from './train/types';

export { AUPRC_METHODS, auprc, auroc, averagePrecision, bootstrapCI, multiLabelMetrics, prCurve, rocCurve } from './metrics/index';
export type { AuprcMethod, LabelMetrics } from './metrics/index';

// Experiments: the paper's grids, profiles, the runner and its store.
export { defineGrid, getGrid, GRIDS, withTlSource } from './experiments/grids';
export { defineProfile, getProfile, PROFILES } from './experiments/profiles';
export { INITS } from './experiments/types';
export type { GridSpec, Init, ModelSpec, ProfileSpec, RunConfig, RunRecord } from './experiments/types';
export { defaultFractions } from './experiments/fractions';
export { planRuns, type Plan } from './experiments/plan';
export { runGrid, type RunGridOptions } from './experiments/runner';
export { buildModel, checkAvailability } from './experiments/model-factory';
export { readResults, ResultsStore } from './experiments/store';
export { gridRows, summarizeRuns } from './experiments/aggregate';
export { exportCsv, exportJson, resultsFrame } from './experiments/export';

// Report: what the figure notebooks show.
export { FIGURES, barsFrame, figureSections } from './report/figures';
export { figureReport, profileComparisonReport, type FigureReport } from './report/io/figure-report';
export { loadPaperValues } from './report/io/paper-values';
export { joinWithPaper } from './report/join';
export { computeConclusions } from './report/conclusions';
export { conclusionsMarkdown } from './report/conclusions-markdown';
export { figurePanels } from './report/bars';
export { provenanceBanner } from './report/provenance';
export { cutPointsMarkdown, densenetCutPoints } from './report/cut-points';
export type { CellResult, PaperValue } from './report/types';

// Plots and notebook display.
export { groupedBarFigure } from './plots/grouped-bar';
export { rocPrFigure } from './plots/roc-pr';
export { metricDistributionFigure } from './plots/distribution';
export { confusionCounts, confusionTableHtml } from './plots/confusion';
export { exportFigures } from './plots/export';
export { liveProgress, showFigure } from './notebook/index';

// The Fig. 2 toy example.
export { drawToyRanking, expectedToyMetrics, monteCarloToy, PAPER_2021_REALISATION, scoresFromRanks, toyMetrics } from './toy/index';
