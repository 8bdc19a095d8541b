/**
 * tfjs LayersModel format on the local file system without tfjs-node (which registers `file://` but cannot be
 * installed everywhere): `model.json` (topology + weightsManifest) and binary weight shards, read and written
 * through a custom tf.io.IOHandler.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { WeightsError } from '../../errors';
import { parseSha256Sums, verifySha256Sums } from './sha256';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

function readModelJson(file: string): tf.io.ModelJSON {
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf-8')) as tf.io.ModelJSON;
  } catch (e) {
    throw new WeightsError(`cannot read tfjs model ${file}: ${(e as Error).message}`, { file });
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new WeightsError(`${file} is not a tfjs LayersModel model.json (needs modelTopology and weightsManifest)`, {
      file,
    });
  }
  return json;
}

/** Read model.json and its shards (in manifest order) into ModelArtifacts. */
export function readModelArtifacts(dir: string): tf.io.ModelArtifacts {
  const jsonPath = path.join(dir, MODEL_JSON);
  const json = readModelJson(jsonPath);
  const buffers: Buffer[] = [];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const shard = path.join(dir, p);
      if (!fs.existsSync(shard)) throw new WeightsError(`weights shard ${shard} listed in ${jsonPath} is missing`, { file: shard });
      buffers.push(fs.readFileSync(shard));
    }
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    trainingConfig: json.trainingConfig,
    userDefinedMetadata: json.userDefinedMetadata,
    weightSpecs,
    weightData,
  };
}

/** A tf.io.IOHandler saving to / loading from a directory (model.json + weights.bin). */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      fs.mkdirSync(dir, { recursive: true });
      const data = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      // Write the weights first: a crash between the two writes leaves no model.json pointing at missing data.
      fs.writeFileSync(path.join(dir, WEIGHTS_BIN), Buffer.from(data));
      fs.writeFileSync(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      return readModelArtifacts(dir);
    },
  };
}

/** Save a model (topology + weights + optional provenance metadata) to `dir`. */
export async function saveCheckpoint(
  model: tf.LayersModel,
  dir: string,
  opts: { metadata?: Record<string, unknown> } = {},
): Promise<void> {
  if (opts.metadata) model.setUserDefinedMetadata(opts.metadata as object);
  await model.save(fileSystemHandler(dir));
}

/** Load a model saved by `saveCheckpoint` (or any tfjs LayersModel directory). Metadata: model.getUserDefinedMetadata(). */
export async function loadCheckpoint(dir: string): Promise<tf.LayersModel> {
  return loadLayersModelFromDir(dir);
}

/**
 * Load a tfjs LayersModel directory; if `sha256Sums` (sha256sum format, paths relative to `dir`) is given,
 * model.json and every shard are checked first.
 */
export async function loadLayersModelFromDir(dir: string, opts: { sha256Sums?: string } = {}): Promise<tf.LayersModel> {
  if (opts.sha256Sums !== undefined) {
    verifySha256Sums(dir, parseSha256Sums(opts.sha256Sums, path.join(dir, 'SHA256SUMS')));
  }
  return tf.loadLayersModel(tf.io.fromMemory(readModelArtifacts(dir)));
}
