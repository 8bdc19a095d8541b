/**
 * Per-epoch training state on disk, so a killed run resumes after its last finished epoch.
 *
 * Crash safety: each epoch writes new, epoch-numbered weight files first, then atomically replaces
 * `state.json`, which names the files it belongs to, and only then deletes the previous epoch's files. A crash
 * at any point leaves a `state.json` whose files exist and are complete.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import type { AdamState } from './adam';
import { decodeArrays, encodeArrays, writeFileAtomic, type NamedArray } from './files';
import type { EarlyStoppingState, PlateauState } from './schedule';
import type { EpochRecord, StopReason } from './types';

const STATE_FILE = 'state.json';
const STATE_VERSION = 1;

export interface TrainingStateMeta {
  version: number;
  fingerprint: string | null;
  /** Last finished epoch (1-based). */
  epoch: number;
  currentFile: string;
  bestFile: string;
  bestEpoch: number;
  bestValue: number | null;
  optimizer: { step: number; learningRate: number };
  plateau: PlateauState | null;
  earlyStopping: EarlyStoppingState | null;
  history: EpochRecord[];
  finished: boolean;
  /** Why training ended, once `finished`. */
  stopReason: StopReason | null;
}

export interface TrainingState extends TrainingStateMeta {
  modelWeights: Float32Array[];
  bestWeights: Float32Array[];
  adam: AdamState;
}

/** Every weight of the model (trainable and BatchNorm running statistics), as host copies. */
export function snapshotWeights(model: tf.LayersModel): Float32Array[] {
  return model.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
}

export function restoreWeights(model: tf.LayersModel, values: Float32Array[]): void {
  if (values.length !== model.weights.length) {
    throw new ConfigError(`checkpoint holds ${values.length} weights, model has ${model.weights.length}`);
  }
  const tensors = model.weights.map((w, i) => {
    if (values[i]!.length !== w.read().size) {
      throw new ConfigError(`checkpoint weight ${i} (${w.originalName}) has ${values[i]!.length} values, model has ${w.read().size}`, {
        key: w.originalName,
      });
    }
    return tf.tensor(values[i]!, w.read().shape, 'float32');
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
}

export function saveTrainingState(dir: string, state: TrainingState): void {
  fs.mkdirSync(dir, { recursive: true });
  const previous = readMeta(dir);
  const currentFile = `current-e${state.epoch}.bin`;
  const bestFile = `best-e${state.bestEpoch}.bin`;
  const named = (prefix: string, arrays: Float32Array[]): NamedArray[] =>
    arrays.map((values, i) => ({ name: `${prefix}/${i}`, values }));
  writeFileAtomic(
    path.join(dir, currentFile),
    encodeArrays([...named('model', state.modelWeights), ...named('adam/m', state.adam.m), ...named('adam/v', state.adam.v)]),
  );
  if (!fs.existsSync(path.join(dir, bestFile)) || previous?.bestFile !== bestFile) {
    writeFileAtomic(path.join(dir, bestFile), encodeArrays(named('model', state.bestWeights)));
  }
  const meta: TrainingStateMeta = {
    version: STATE_VERSION,
    fingerprint: state.fingerprint,
    epoch: state.epoch,
    currentFile,
    bestFile,
    bestEpoch: state.bestEpoch,
    bestValue: state.bestValue,
    optimizer: { step: state.adam.step, learningRate: state.adam.learningRate },
    plateau: state.plateau,
    earlyStopping: state.earlyStopping,
    history: state.history,
    finished: state.finished,
    stopReason: state.stopReason,
  };
  writeFileAtomic(path.join(dir, STATE_FILE), JSON.stringify(meta));
  // Only now is it safe to drop files no state refers to (left by this or by an earlier, killed write).
  for (const name of fs.readdirSync(dir)) {
    if (/^(current|best)-e\d+\.bin$/.test(name) && name !== currentFile && name !== bestFile) {
      fs.rmSync(path.join(dir, name), { force: true });
    }
  }
}

function readMeta(dir: string): TrainingStateMeta | null {
  const file = path.join(dir, STATE_FILE);
  if (!fs.existsSync(file)) return null;
  let meta: TrainingStateMeta;
  try {
    meta = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainingStateMeta;
  } catch {
    throw new ConfigError(`${file}: unreadable training state (delete the directory to start over)`, { file });
  }
  if (meta.version !== STATE_VERSION) {
    throw new ConfigError(`${file}: training state version ${meta.version}, expected ${STATE_VERSION}`, { file });
  }
  return meta;
}

/** The saved state, or null when the directory has none. */
export function loadTrainingState(dir: string): TrainingState | null {
  const meta = readMeta(dir);
  if (!meta) return null;
  const currentPath = path.join(dir, meta.currentFile);
  const current = decodeArrays(fs.readFileSync(currentPath), currentPath);
  const bestPath = path.join(dir, meta.bestFile);
  const best = decodeArrays(fs.readFileSync(bestPath), bestPath);
  const pick = (arrays: NamedArray[], prefix: string): Float32Array[] =>
    arrays.filter((a) => a.name.startsWith(`${prefix}/`)).map((a) => a.values);
  return {
    ...meta,
    modelWeights: pick(current, 'model'),
    bestWeights: pick(best, 'model'),
    adam: { ...meta.optimizer, m: pick(current, 'adam/m'), v: pick(current, 'adam/v') },
  };
}

export function clearTrainingState(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
