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
import { ATOMIC_TMP_PATTERN, decodeArrays, encodeArrays, writeFileAtomic, type NamedArray } from './files';
import type { EarlyStoppingState, PlateauState } from './schedule';
import type { EpochRecord, StopReason } from './types';

const STATE_FILE = 'state.json';
const STATE_VERSION = 1;
/** The per-epoch weight files state.json refers to. */
const WEIGHT_FILE = /^(current|best)-e\d+\.bin$/;

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
  /**
   * Wall seconds of training up to this checkpoint, summed over every process that worked on the run (each
   * counted from its start of training to its last checkpoint). Absent in states written before it existed.
   */
  elapsedSeconds?: number;
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
    ...(state.elapsedSeconds !== undefined ? { elapsedSeconds: state.elapsedSeconds } : {}),
  };
  writeFileAtomic(path.join(dir, STATE_FILE), JSON.stringify(meta));
  // Only now is it safe to drop files no state refers to: older epochs' weights, and temporary files of a write
  // that was killed half-way (one process trains a run at a time, see run-claim.ts, so none is in progress).
  for (const name of fs.readdirSync(dir)) {
    const unreferenced = WEIGHT_FILE.test(name) && name !== currentFile && name !== bestFile;
    if (unreferenced || ATOMIC_TMP_PATTERN.test(name)) fs.rmSync(path.join(dir, name), { force: true });
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
  const named = (name: unknown): boolean => typeof name === 'string' && WEIGHT_FILE.test(name);
  if (!Number.isInteger(meta.epoch) || !named(meta.currentFile) || !named(meta.bestFile) || !Array.isArray(meta.history)) {
    throw new ConfigError(`${file}: training state is incomplete (epoch, weight files or history missing)`, { file });
  }
  return meta;
}

function readArrays(dir: string, name: string): NamedArray[] {
  const file = path.join(dir, name);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new ConfigError(`${file}: the training state names this file but it cannot be read (${(error as Error).message})`, { file });
  }
  return decodeArrays(bytes, file);
}

/** The saved state, or null when the directory has none. Throws a ConfigError naming the file if it is damaged. */
export function loadTrainingState(dir: string): TrainingState | null {
  const meta = readMeta(dir);
  if (!meta) return null;
  const current = readArrays(dir, meta.currentFile);
  const best = readArrays(dir, meta.bestFile);
  const pick = (arrays: NamedArray[], prefix: string): Float32Array[] =>
    arrays.filter((a) => a.name.startsWith(`${prefix}/`)).map((a) => a.values);
  const state: TrainingState = {
    ...meta,
    modelWeights: pick(current, 'model'),
    bestWeights: pick(best, 'model'),
    adam: { ...meta.optimizer, m: pick(current, 'adam/m'), v: pick(current, 'adam/v') },
  };
  if (state.adam.m.length !== state.adam.v.length || state.bestWeights.length !== state.modelWeights.length) {
    throw new ConfigError(`${path.join(dir, meta.currentFile)}: training state holds mismatched weight lists`, { file: path.join(dir, meta.currentFile) });
  }
  return state;
}

export interface RecoveredState {
  state: TrainingState | null;
  /** Set when a damaged state was moved aside: why, and where it went. */
  discarded?: { reason: string; movedTo: string };
}

/**
 * loadTrainingState for a run that must go on: a damaged state (a file truncated or deleted by hand, a disk
 * error; our own writes are atomic) is moved to `<dir>.damaged-<time>/` for inspection and training starts over,
 * instead of the run failing the same way on every retry until someone deletes the folder. Files that are not
 * training state (the run's claim, see run-claim.ts) stay where they are.
 */
export function recoverTrainingState(dir: string): RecoveredState {
  try {
    return { state: loadTrainingState(dir) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const movedTo = `${dir}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.mkdirSync(movedTo, { recursive: true });
    for (const name of fs.readdirSync(dir)) {
      if (name === STATE_FILE || WEIGHT_FILE.test(name) || ATOMIC_TMP_PATTERN.test(name)) {
        fs.renameSync(path.join(dir, name), path.join(movedTo, name));
      }
    }
    return { state: null, discarded: { reason: error.message, movedTo } };
  }
}

export function clearTrainingState(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
