/**
 * The training loop: Adam over (micro-)batches, BCE-with-logits with masks and pos_weight, per-epoch validation
 * AUROC/AUPRC, learning-rate plateau schedule, early stopping, best-epoch selection and per-epoch resumable state.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import { assertBatchFitsWasmHeap, estimateActivationBytesPerImage, estimateFixedTrainingBytes } from '../backend/memory';
import type { Batch } from '../data/types';
import { TorchAdam } from './adam';
import { inputTensor, labelTensor, microBatches } from './batches';
import { recoverTrainingState, restoreWeights, saveTrainingState, snapshotWeights } from './checkpoint';
import { bceLoss, labelMetrics, meanDefined, predict } from './evaluate';
import { countedEntries, maskedBceWithLogitsSum } from './loss';
import { EarlyStopping, ReduceLrOnPlateau, type Direction } from './schedule';
import { withSeededMathRandom } from './seeded-random';
import type { EpochRecord, SelectionMetric, StopReason, TrainConfig, TrainResult } from './types';

function validate(config: TrainConfig): void {
  const fail = (field: string, message: string): never => {
    throw new ConfigError(`train: ${field} ${message}`, { field });
  };
  if (!Number.isInteger(config.epochs) || config.epochs < 1) fail('epochs', `must be an integer >= 1, got ${config.epochs}`);
  if (config.microBatchSize !== undefined && (!Number.isInteger(config.microBatchSize) || config.microBatchSize < 1)) {
    fail('microBatchSize', `must be an integer >= 1, got ${config.microBatchSize}`);
  }
  if (config.labelNames.length !== config.train.numLabels) {
    fail('labelNames', `has ${config.labelNames.length} names but the training source has ${config.train.numLabels} labels`);
  }
  if (config.posWeight && config.posWeight.length !== config.labelNames.length) {
    fail('posWeight', `has ${config.posWeight.length} values for ${config.labelNames.length} labels`);
  }
  if (config.posWeight?.some((w) => !Number.isFinite(w) || w <= 0)) fail('posWeight', 'values must be finite and > 0');
  const outputShape = config.model.outputs[0]?.shape;
  const outputs = outputShape?.[outputShape.length - 1];
  if (outputs !== config.labelNames.length) {
    fail('model', `outputs ${outputs} values per image but there are ${config.labelNames.length} labels`);
  }
}

/**
 * Running out of the 4 GiB wasm heap is not a catchable error (the process aborts with "memory access out of
 * bounds"), so on wasm check the static estimate before the first step and fail with a message that says what
 * micro-batch would fit.
 */
function guardWasmHeap(model: tf.LayersModel, microBatch: number): void {
  if (tf.getBackend() !== 'wasm') return;
  assertBatchFitsWasmHeap({
    batch: microBatch,
    bytesPerImage: estimateActivationBytesPerImage(model),
    fixedBytes: estimateFixedTrainingBytes(model),
    modelLabel: `${model.name} at input ${JSON.stringify(model.inputs[0]?.shape.slice(1))}`,
  });
}

function selectionValue(record: EpochRecord, selectBy: SelectionMetric): number {
  const value = selectBy === 'val-loss' ? record.valLoss : record.valMeanAuprc;
  return value === null ? Number.NaN : value;
}

function isImprovement(value: number, best: number | null, direction: Direction): boolean {
  if (Number.isNaN(value)) return false;
  if (best === null) return true;
  return direction === 'min' ? value < best : value > best;
}

/** What one training call carries from epoch to epoch (and what the epoch checkpoint stores). */
interface Loop {
  config: TrainConfig;
  model: tf.LayersModel;
  variables: tf.Variable[];
  optimizer: TorchAdam;
  plateau: ReduceLrOnPlateau | null;
  early: EarlyStopping | null;
  posWeight: tf.Tensor1D | null;
  selectBy: SelectionMetric;
  direction: Direction;
  fingerprint: string | null;
  history: EpochRecord[];
  bestEpoch: number;
  bestValue: number | null;
  bestWeights: Float32Array[];
  resumedFromEpoch: number;
  /** Seconds earlier processes spent on this run up to the checkpoint it resumed from (0 when fresh). */
  priorSeconds: number;
  /** performance.now() when this call started: durations use the monotonic clock, which a wall-clock jump cannot bend. */
  started: number;
  stopReason: StopReason;
  finished: boolean;
  stepsPerEpoch: number | null;
}

/** Picks up a killed run after its last finished epoch, refusing a checkpoint of another configuration. */
function resume(loop: Loop): void {
  const { config } = loop;
  if (!config.checkpointDir) return;
  const { state: saved, discarded } = recoverTrainingState(config.checkpointDir);
  if (discarded) config.onProgress?.({ type: 'checkpoint-discarded', ...discarded });
  if (!saved) return;
  if (saved.fingerprint !== loop.fingerprint) {
    throw new ConfigError(
      `${config.checkpointDir}: holds training state of configuration ${saved.fingerprint}, not ${loop.fingerprint}; ` +
        'delete the directory or choose another one',
      { file: config.checkpointDir, field: 'fingerprint' },
    );
  }
  restoreWeights(loop.model, saved.modelWeights);
  loop.optimizer.setState(saved.adam);
  loop.plateau?.setState(saved.plateau ?? { best: null, badEpochs: 0, cooldownLeft: 0 });
  if (saved.earlyStopping) loop.early?.setState(saved.earlyStopping);
  Object.assign(loop, {
    history: saved.history,
    bestEpoch: saved.bestEpoch,
    bestValue: saved.bestValue,
    bestWeights: saved.bestWeights,
    resumedFromEpoch: saved.epoch,
    priorSeconds: saved.elapsedSeconds ?? 0,
    finished: saved.finished,
  });
  if (saved.finished && saved.stopReason) loop.stopReason = saved.stopReason;
  config.onProgress?.({ type: 'resumed', fromEpoch: saved.epoch, epochs: config.epochs });
}

/** One pass over the training batches; returns the epoch's mean loss and the images seen. */
async function trainEpoch(loop: Loop, epoch: number, started: number): Promise<{ loss: number; images: number }> {
  const { config, model } = loop;
  let lossSum = 0;
  let lossCount = 0;
  let images = 0;
  let step = 0;
  for await (const batch of config.train.batches(epoch)) {
    step += 1;
    if (loop.stepsPerEpoch === null && step === 1 && batch.size > 0) {
      loop.stepsPerEpoch = Math.ceil(config.train.numItems / batch.size);
      guardWasmHeap(model, Math.min(config.microBatchSize ?? batch.size, batch.size));
    }
    const counted = countedEntries(batch.mask, batch.y.length);
    if (counted > 0) {
      const key: [number, number, number] = [config.seed ?? 0, epoch, step];
      const loss = accumulatedStep(batch, counted, config.microBatchSize ?? batch.size, model, loop.variables, loop.optimizer, loop.posWeight, key);
      lossSum += loss * counted;
      lossCount += counted;
    }
    images += batch.size;
    config.onProgress?.({
      type: 'batch',
      epoch,
      epochs: config.epochs,
      batch: step,
      batches: loop.stepsPerEpoch,
      loss: lossCount === 0 ? Number.NaN : lossSum / lossCount,
      imagesPerSecond: images / Math.max(1e-3, (performance.now() - started) / 1000),
    });
  }
  loop.stepsPerEpoch = step;
  return { loss: lossCount === 0 ? Number.NaN : lossSum / lossCount, images };
}

/** Validation metrics of the epoch, then the best-epoch choice, the LR schedule and the stopping rules. */
async function endEpoch(loop: Loop, epoch: number, trained: { loss: number; images: number }, started: number): Promise<{ record: EpochRecord; isBest: boolean }> {
  const { config, model, optimizer } = loop;
  config.onProgress?.({ type: 'evaluating', epoch, epochs: config.epochs });
  const predictions = await predict(model, config.val, { microBatchSize: config.microBatchSize });
  const val = labelMetrics(predictions, config.labelNames);
  const record: EpochRecord = {
    epoch,
    learningRate: optimizer.learningRate,
    trainLoss: trained.loss,
    valLoss: bceLoss(predictions, config.posWeight),
    valMeanAuroc: meanDefined(val.map((m) => m.auroc)),
    valMeanAuprc: meanDefined(val.map((m) => m.auprc)),
    val,
    seconds: (performance.now() - started) / 1000,
    trainImages: trained.images,
  };
  loop.history.push(record);
  const value = selectionValue(record, loop.selectBy);
  const isBest = isImprovement(value, loop.bestValue, loop.direction) || loop.bestEpoch === 0;
  if (isBest) {
    loop.bestEpoch = epoch;
    loop.bestValue = Number.isNaN(value) ? null : value;
    loop.bestWeights = snapshotWeights(model);
  }
  if (loop.plateau) optimizer.learningRate = loop.plateau.step(value, optimizer.learningRate);
  if (loop.early?.step(value)) {
    loop.stopReason = 'early-stopping';
    loop.finished = true;
  } else if (config.stopBelowLr != null && optimizer.learningRate < config.stopBelowLr) {
    loop.stopReason = 'min-learning-rate';
    loop.finished = true;
  } else if (epoch === config.epochs) {
    loop.finished = true;
  }
  return { record, isBest };
}

function saveEpoch(loop: Loop, epoch: number): void {
  if (!loop.config.checkpointDir) return;
  saveTrainingState(loop.config.checkpointDir, {
    version: 1,
    fingerprint: loop.fingerprint,
    epoch,
    currentFile: '',
    bestFile: '',
    bestEpoch: loop.bestEpoch,
    bestValue: loop.bestValue,
    optimizer: { step: loop.optimizer.steps, learningRate: loop.optimizer.learningRate },
    plateau: loop.plateau?.getState() ?? null,
    earlyStopping: loop.early?.getState() ?? null,
    history: loop.history,
    finished: loop.finished,
    stopReason: loop.finished ? loop.stopReason : null,
    elapsedSeconds: loop.priorSeconds + (performance.now() - loop.started) / 1000,
    modelWeights: snapshotWeights(loop.model),
    bestWeights: loop.bestWeights,
    adam: loop.optimizer.getState(),
  });
}

function startLoop(config: TrainConfig): Loop {
  const selectBy = config.selectBy ?? 'val-mean-auprc';
  const direction: Direction = selectBy === 'val-loss' ? 'min' : 'max';
  const variables = config.model.trainableWeights.map((w) => w.read() as tf.Variable);
  return {
    config,
    model: config.model,
    variables,
    optimizer: new TorchAdam(variables, config.optimizer),
    plateau: config.plateau === null ? null : new ReduceLrOnPlateau(direction, config.plateau ?? {}),
    early: config.earlyStopping ? new EarlyStopping(direction, config.earlyStopping) : null,
    posWeight: config.posWeight ? tf.tensor1d(config.posWeight) : null,
    selectBy,
    direction,
    fingerprint: config.fingerprint ?? null,
    history: [],
    bestEpoch: 0,
    bestValue: null,
    bestWeights: snapshotWeights(config.model),
    resumedFromEpoch: 0,
    priorSeconds: 0,
    started: performance.now(),
    stopReason: 'max-epochs',
    finished: false,
    stepsPerEpoch: null,
  };
}

/**
 * Train `config.model` in place. On return the model holds the weights of the best epoch by `selectBy`
 * (ties keep the earlier epoch).
 */
export async function train(config: TrainConfig): Promise<TrainResult> {
  validate(config);
  const loop = startLoop(config);
  try {
    resume(loop);
    for (let epoch = loop.resumedFromEpoch + 1; epoch <= config.epochs && !loop.finished; epoch++) {
      const epochStarted = performance.now();
      config.onProgress?.({ type: 'epoch-start', epoch, epochs: config.epochs, learningRate: loop.optimizer.learningRate });
      const trained = await trainEpoch(loop, epoch, epochStarted);
      const { record, isBest } = await endEpoch(loop, epoch, trained, epochStarted);
      saveEpoch(loop, epoch);
      config.onProgress?.({ type: 'epoch-end', epoch, epochs: config.epochs, record, isBest });
    }
    restoreWeights(loop.model, loop.bestWeights);
    const { history, bestEpoch, selectBy, stopReason, resumedFromEpoch, priorSeconds } = loop;
    return { history, bestEpoch, selectBy, stopReason, resumedFromEpoch, priorSeconds, seconds: (performance.now() - loop.started) / 1000 };
  } finally {
    loop.optimizer.dispose();
    loop.posWeight?.dispose();
  }
}

/**
 * One optimiser step over a batch, split into micro-batches. Each micro-batch's loss is its masked BCE sum
 * divided by the whole batch's counted entries, so the summed gradients equal the full-batch mean gradient.
 * Returns the batch's mean loss.
 */
function accumulatedStep(
  batch: Batch,
  counted: number,
  microBatchSize: number,
  model: tf.LayersModel,
  variables: tf.Variable[],
  optimizer: TorchAdam,
  posWeight: tf.Tensor1D | null,
  randomKey: [number, number, number],
): number {
  let accumulated: tf.Tensor[] | null = null;
  let lossTotal = 0;
  let microIndex = 0;
  for (const micro of microBatches(batch, microBatchSize)) {
    const [seed, epoch, step] = randomKey;
    microIndex += 1;
    const x = inputTensor(micro);
    const y = labelTensor(micro.y, micro.size);
    const mask = micro.mask ? labelTensor(micro.mask, micro.size) : null;
    const { value, grads } = withSeededMathRandom(seed, [epoch, step, microIndex], () =>
      tf.variableGrads(() => {
        const logits = (model.apply(x, { training: true }) as tf.Tensor).reshape([micro.size, -1]) as tf.Tensor2D;
        return tf.div(maskedBceWithLogitsSum(logits, y, mask, posWeight), counted) as tf.Scalar;
      }, variables),
    );
    tf.dispose([x, y, ...(mask ? [mask] : [])]);
    lossTotal += value.dataSync()[0]!;
    value.dispose();
    const ordered = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
    if (accumulated === null) {
      accumulated = ordered;
    } else {
      const previous: tf.Tensor[] = accumulated;
      accumulated = previous.map((g, i) => tf.add(g, ordered[i]!));
      tf.dispose([...previous, ...ordered]);
    }
    // grads entries not in `ordered` (none expected) would leak; dispose any the map holds beyond them.
    for (const name of Object.keys(grads)) {
      if (!variables.some((v) => v.name === name)) grads[name]!.dispose();
    }
  }
  optimizer.apply(accumulated!);
  tf.dispose(accumulated!);
  return lossTotal;
}
