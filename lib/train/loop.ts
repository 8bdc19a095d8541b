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

/**
 * Train `config.model` in place. On return the model holds the weights of the best epoch by `selectBy`
 * (ties keep the earlier epoch).
 */
export async function train(config: TrainConfig): Promise<TrainResult> {
  validate(config);
  // Durations come from the monotonic clock: a wall-clock jump (NTP, a suspended VM) must not bend them.
  const started = performance.now();
  const selectBy = config.selectBy ?? 'val-mean-auprc';
  const direction: Direction = selectBy === 'val-loss' ? 'min' : 'max';
  const model = config.model;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = new TorchAdam(variables, config.optimizer);
  const plateau = config.plateau === false ? null : new ReduceLrOnPlateau(direction, config.plateau ?? {});
  const early = config.earlyStopping ? new EarlyStopping(direction, config.earlyStopping) : null;
  const posWeight = config.posWeight ? tf.tensor1d(config.posWeight) : null;
  const fingerprint = config.fingerprint ?? null;

  let history: EpochRecord[] = [];
  let bestEpoch = 0;
  let bestValue: number | null = null;
  let bestWeights: Float32Array[] = snapshotWeights(model);
  let resumedFromEpoch = 0;
  let priorSeconds = 0;
  let stopReason: StopReason = 'max-epochs';
  let finished = false;

  try {
    if (config.checkpointDir) {
      const { state: saved, discarded } = recoverTrainingState(config.checkpointDir);
      if (discarded) config.onProgress?.({ type: 'checkpoint-discarded', ...discarded });
      if (saved) {
        if (saved.fingerprint !== fingerprint) {
          throw new ConfigError(
            `${config.checkpointDir}: holds training state of configuration ${saved.fingerprint}, not ${fingerprint}; ` +
              'delete the directory or choose another one',
            { file: config.checkpointDir, field: 'fingerprint' },
          );
        }
        restoreWeights(model, saved.modelWeights);
        optimizer.setState(saved.adam);
        plateau?.setState(saved.plateau ?? { best: null, badEpochs: 0, cooldownLeft: 0 });
        if (saved.earlyStopping) early?.setState(saved.earlyStopping);
        history = saved.history;
        bestEpoch = saved.bestEpoch;
        bestValue = saved.bestValue;
        bestWeights = saved.bestWeights;
        resumedFromEpoch = saved.epoch;
        priorSeconds = saved.elapsedSeconds ?? 0;
        finished = saved.finished;
        if (finished && saved.stopReason) stopReason = saved.stopReason;
        config.onProgress?.({ type: 'resumed', fromEpoch: saved.epoch, epochs: config.epochs });
      }
    }

    let stepsPerEpoch: number | null = null;
    for (let epoch = resumedFromEpoch + 1; epoch <= config.epochs && !finished; epoch++) {
      const epochStarted = performance.now();
      config.onProgress?.({ type: 'epoch-start', epoch, epochs: config.epochs, learningRate: optimizer.learningRate });
      let lossSum = 0;
      let lossCount = 0;
      let images = 0;
      let step = 0;
      for await (const batch of config.train.batches(epoch)) {
        step += 1;
        if (stepsPerEpoch === null && step === 1 && batch.size > 0) {
          stepsPerEpoch = Math.ceil(config.train.numItems / batch.size);
          guardWasmHeap(model, Math.min(config.microBatchSize ?? batch.size, batch.size));
        }
        const counted = countedEntries(batch.mask, batch.y.length);
        if (counted > 0) {
          const loss = accumulatedStep(batch, counted, config.microBatchSize ?? batch.size, model, variables, optimizer, posWeight, [
            config.seed ?? 0,
            epoch,
            step,
          ]);
          lossSum += loss * counted;
          lossCount += counted;
        }
        images += batch.size;
        config.onProgress?.({
          type: 'batch',
          epoch,
          epochs: config.epochs,
          batch: step,
          batches: stepsPerEpoch,
          loss: lossCount === 0 ? Number.NaN : lossSum / lossCount,
          imagesPerSecond: images / Math.max(1e-3, (performance.now() - epochStarted) / 1000),
        });
      }
      stepsPerEpoch = step;

      config.onProgress?.({ type: 'evaluating', epoch, epochs: config.epochs });
      const predictions = await predict(model, config.val, { microBatchSize: config.microBatchSize });
      const val = labelMetrics(predictions, config.labelNames);
      const record: EpochRecord = {
        epoch,
        learningRate: optimizer.learningRate,
        trainLoss: lossCount === 0 ? Number.NaN : lossSum / lossCount,
        valLoss: bceLoss(predictions, config.posWeight),
        valMeanAuroc: meanDefined(val.map((m) => m.auroc)),
        valMeanAuprc: meanDefined(val.map((m) => m.auprc)),
        val,
        seconds: (performance.now() - epochStarted) / 1000,
        trainImages: images,
      };
      history.push(record);

      const value = selectionValue(record, selectBy);
      const isBest = isImprovement(value, bestValue, direction) || bestEpoch === 0;
      if (isBest) {
        bestEpoch = epoch;
        bestValue = Number.isNaN(value) ? null : value;
        bestWeights = snapshotWeights(model);
      }
      if (plateau) optimizer.learningRate = plateau.step(value, optimizer.learningRate);
      if (early?.step(value)) {
        stopReason = 'early-stopping';
        finished = true;
      } else if (config.stopBelowLr !== undefined && optimizer.learningRate < config.stopBelowLr) {
        stopReason = 'min-learning-rate';
        finished = true;
      } else if (epoch === config.epochs) {
        finished = true;
      }

      if (config.checkpointDir) {
        saveTrainingState(config.checkpointDir, {
          version: 1,
          fingerprint,
          epoch,
          currentFile: '',
          bestFile: '',
          bestEpoch,
          bestValue,
          optimizer: { step: optimizer.steps, learningRate: optimizer.learningRate },
          plateau: plateau?.getState() ?? null,
          earlyStopping: early?.getState() ?? null,
          history,
          finished,
          stopReason: finished ? stopReason : null,
          elapsedSeconds: priorSeconds + (performance.now() - started) / 1000,
          modelWeights: snapshotWeights(model),
          bestWeights,
          adam: optimizer.getState(),
        });
      }
      config.onProgress?.({ type: 'epoch-end', epoch, epochs: config.epochs, record, isBest });
    }

    restoreWeights(model, bestWeights);
    return {
      history,
      bestEpoch,
      selectBy,
      stopReason,
      resumedFromEpoch,
      seconds: (performance.now() - started) / 1000,
      priorSeconds,
    };
  } finally {
    optimizer.dispose();
    posWeight?.dispose();
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
