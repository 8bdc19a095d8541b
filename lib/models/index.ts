/**
 * Models, surgery and pretrained weights. Every model is a tf.LayersModel on NHWC input returning LOGITS
 * (apply a sigmoid for multi-label probabilities; train with BCE-with-logits). Layer names are torch module
 * paths (see naming.ts), so torchvision state dicts load key for key.
 */
export { densenet121, DENSENET121_BLOCKS, DENSENET_CUTS } from './densenet';
export { resnet50, RESNET50_LAYERS, RESNET50_CUTS } from './resnet';
export { cbr, cbrMinInputSize, CBR_SPECS, type CbrVariant } from './cbr';
export type { ModelOptions } from './types';
export { truncateAt, truncateDenseNet, type HeadKind, type HeadOptions } from './surgery';
export { MODELS, MODEL_IDS, TL_SOURCES, isModelId, modelEntry, modelsWithSource, pretrainedSource, truncateModel, type BuildRequest, type ModelEntry, type ModelId, type TlSource } from './registry';
export { TRUNCATIONS, type CutPoints, type Truncation } from './types';
export { countParams, countLayerParams, describeModel, defaultStageOf } from './params';
export type { CountOptions, ModelDescription, StageDescription } from './params';
export { applyTorchInit, type InitRules, type InitScheme } from './init';
export { normaliseTorchKey, type TorchParamKind } from './naming';
export {
  readSafetensors,
  parseSafetensors,
  writeSafetensors,
  toFloat32,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsFile,
  type WritableTensor,
} from './weights/safetensors';
export { readTorchCheckpoint, type TorchCheckpoint } from './weights/torch/checkpoint';
export type { TensorEntry, TensorDtype } from './weights/tensor-entry';
export {
  loadTorchvisionWeights,
  readStateDict,
  torchStateDictSpec,
  type LoadTorchOptions,
  type LoadReport,
  type TorchParamSpec,
} from './weights/torchvision';
export {
  saveCheckpoint,
  loadCheckpoint,
  loadLayersModelFromDir,
  fileSystemHandler,
  readModelArtifacts,
} from './weights/tfjs-files';
export { loadMobileNetV1 } from './weights/mobilenet';
export {
  loadKerasResNet50,
  ensureKerasResNet50,
  kerasResNet50Manifest,
  KERAS_RESNET50_PACKAGE,
  KERAS_RESNET50_TGZ_SHA256,
  type KerasResNet50,
  type KerasResNet50Options,
} from './weights/keras-resnet50';
export {
  downloadWeights,
  downloadTorchvisionWeights,
  findTorchvisionWeights,
  TORCHVISION_WEIGHTS,
  type TorchvisionWeightsName,
  type PublishedWeights,
  type DownloadOptions,
  type DownloadedWeights,
} from './weights/download';
export {
  preprocessImages,
  userCheckpointSource,
  TORCHVISION_DENSENET121_SOURCE,
  TORCHVISION_RESNET50_SOURCE,
  KERAS_RESNET50_SOURCE,
  XRV_DENSENET121_SOURCE,
  MOBILENET_V1_025_SOURCE,
  MOBILENET_V1_025_CUTS,
  type PretrainedSource,
  type Preprocessing,
  type TransferSource,
  type WeightsInfo,
  type WeightsPaths,
} from './weights/sources';
export { XRV_DENSENET121_ALL, XRV_PATHOLOGIES, xrvCacheDir } from './weights/xrv';
export { defaultWeightsCacheDir, hubCheckpointsDir } from './weights/cache';
export { sha256OfFile } from './weights/sha256';
