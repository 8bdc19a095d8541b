/**
 * Faults around the per-epoch training state: a disk that fills during a checkpoint write, a checkpoint
 * damaged after it was written, a write cut short by a kill, and the wall time a resumed run carries over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../lib/errors';
import { loadTrainingState, saveTrainingState, type TrainingState } from '../../lib/train/checkpoint';
import { train } from '../../lib/train/loop';
import type { TrainConfig, TrainProgressEvent } from '../../lib/train/types';
import { makeTinyData, memorySource, tinyModel } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtl-ckpt-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const trainData = makeTinyData(32, 1, 1);
const valData = makeTinyData(16, 1, 2);
const config = (overrides: Partial<TrainConfig>): TrainConfig => ({
  model: tinyModel(1, 7),
  train: memorySource(trainData, 8, true, 11),
  val: memorySource(valData, 16, false, 0),
  labelNames: ['a'],
  epochs: 3,
  optimizer: { learningRate: 1e-2 },
  fingerprint: 'cfg',
  ...overrides,
});

/** Trains with a checkpoint folder and stops (as a kill would) right after `epochs` epochs. */
async function trainAndStop(dir: string, epochs: number): Promise<void> {
  const c = config({ checkpointDir: dir });
  c.onProgress = (e) => {
    if (e.type === 'epoch-end' && e.epoch === epochs) throw new Error('killed');
  };
  await expect(train(c)).rejects.toThrow('killed');
}

function state(epoch: number): TrainingState {
  const w = [new Float32Array([1, 2, 3]), new Float32Array([4])];
  return {
    version: 1, fingerprint: 'cfg', epoch, currentFile: '', bestFile: '', bestEpoch: epoch, bestValue: 0.5,
    optimizer: { step: epoch, learningRate: 1e-3 }, plateau: null, earlyStopping: null, history: [], finished: false,
    stopReason: null, modelWeights: w, bestWeights: w, adam: { step: epoch, learningRate: 1e-3, m: w, v: w },
  };
}

describe('checkpoint faults', () => {
  it('a disk that fills during a checkpoint write: a StorageError naming the file, the previous epoch intact, no temporary file left', () => {
    const dir = path.join(tmp, 'full');
    saveTrainingState(dir, state(1));
    // The next write goes to /dev/full, which fails every write with ENOSPC, as a full disk does.
    fs.symlinkSync('/dev/full', path.join(dir, `.current-e2.bin.${process.pid}.tmp`));
    let error: unknown;
    try {
      saveTrainingState(dir, state(2));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/current-e2\.bin: cannot write this file \(no space left on device, ENOSPC\)/);
    expect(loadTrainingState(dir)!.epoch).toBe(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['best-e1.bin', 'current-e1.bin', 'state.json']);
  });

  it('a damaged checkpoint is moved aside and the run starts over, saying so, instead of failing on every retry', async () => {
    const dir = path.join(tmp, 'damaged');
    await trainAndStop(dir, 1);
    const weights = path.join(dir, 'current-e1.bin');
    fs.truncateSync(weights, Math.floor(fs.statSync(weights).size / 2));
    expect(() => loadTrainingState(dir)).toThrow(/current-e1\.bin: truncated/);

    const events: TrainProgressEvent[] = [];
    const result = await train(config({ checkpointDir: dir, onProgress: (e) => events.push(e) }));
    const discarded = events.find((e) => e.type === 'checkpoint-discarded');
    expect(discarded).toMatchObject({ reason: expect.stringMatching(/truncated/), movedTo: expect.stringContaining(`${dir}.damaged-`) });
    expect(result.resumedFromEpoch).toBe(0);
    expect(result.history).toHaveLength(3);
    const movedTo = (discarded as { movedTo: string }).movedTo;
    expect(fs.readdirSync(movedTo).sort()).toEqual(['best-e1.bin', 'current-e1.bin', 'state.json']);
  });

  it('a write cut short by a kill leaves a temporary file that the resumed run ignores and then removes', async () => {
    const dir = path.join(tmp, 'torn');
    await trainAndStop(dir, 1);
    const torn = path.join(dir, '.current-e2.bin.999999.tmp');
    fs.writeFileSync(torn, Buffer.from('RTLTENS1 half a file'));
    const result = await train(config({ checkpointDir: dir }));
    expect(result.resumedFromEpoch).toBe(1);
    expect(fs.existsSync(torn)).toBe(false);
  });

  it('a resumed run carries the seconds of the processes before it', async () => {
    const dir = path.join(tmp, 'seconds');
    await trainAndStop(dir, 2);
    const saved = loadTrainingState(dir)!;
    expect(saved.elapsedSeconds).toBeGreaterThan(0);
    const result = await train(config({ checkpointDir: dir }));
    expect(result.resumedFromEpoch).toBe(2);
    expect(result.priorSeconds).toBe(saved.elapsedSeconds);
    expect(loadTrainingState(dir)!.elapsedSeconds).toBeGreaterThan(saved.elapsedSeconds! + result.seconds * 0.5);
  });
});
