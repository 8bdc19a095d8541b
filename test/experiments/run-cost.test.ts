/**
 * The runner's scheduling cost: measured per model and cut at 224 px, scaled by pixel area. Held against the stored
 * runs it was measured from, so a wrong entry (the old relative costs put CBR-LargeT, among the cheapest nets at
 * 224 px, first) shows up as pairs of runs ordered the wrong way.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimatedRunCost, mostExpensiveFirst } from '../../lib/experiments/run-cost';
import { readResults } from '../../lib/experiments/store';
import type { ModelSpec, RunConfig } from '../../lib/experiments/types';
import { MODEL_IDS, MODELS, TRUNCATIONS } from '../../lib/models';
import { makeRecord } from './records';

function config(model: ModelSpec, options: { size?: number; fraction?: number; init?: RunConfig['cell']['init'] } = {}): RunConfig {
  const base = makeRecord('h', 'ok').config;
  return {
    ...base,
    cell: { model, init: options.init ?? 'RI' },
    fraction: options.fraction ?? 1,
    pipeline: { ...base.pipeline, size: options.size ?? 224 },
    training: { ...base.training, epochs: 20 },
  };
}

/** Of the pairs of runs the estimate tells apart, the share it orders as their measured times do. */
function concordance(estimated: number[], measured: number[]): number {
  let pairs = 0;
  let agree = 0;
  for (let i = 0; i < estimated.length; i++) {
    for (let j = i + 1; j < estimated.length; j++) {
      if (estimated[i] === estimated[j]) continue;
      pairs++;
      if ((estimated[i] - estimated[j]) * (measured[i] - measured[j]) > 0) agree++;
    }
  }
  return agree / pairs;
}

describe('run cost', () => {
  it('every model has a positive whole-network cost, and no cut costs more than the whole network', () => {
    for (const id of MODEL_IDS) {
      const cost = MODELS[id].trainMsPerImage224;
      expect(cost.F, id).toBeGreaterThan(0);
      for (const level of TRUNCATIONS) expect(cost[level] ?? cost.F, `${id} ${level}`).toBeLessThanOrEqual(cost.F);
    }
  });

  it('scales with pixel area, training fraction and epochs; a linear probe is one pass', () => {
    const full = estimatedRunCost(config({ id: 'densenet121' }));
    expect(estimatedRunCost(config({ id: 'densenet121' }, { size: 112 }))).toBeCloseTo(full / 4, 6);
    expect(estimatedRunCost(config({ id: 'densenet121' }, { fraction: 0.25 }))).toBeCloseTo(full / 4, 6);
    expect(estimatedRunCost(config({ id: 'densenet121' }, { init: 'LP' }))).toBeCloseTo(full / 20, 6);
  });

  it('a cut with no measurement costs as the whole network; a measured cut costs less', () => {
    expect(estimatedRunCost(config({ id: 'densenet121', truncation: 'T2' }))).toBe(estimatedRunCost(config({ id: 'densenet121' })));
    expect(estimatedRunCost(config({ id: 'resnet50-keras', truncation: 'T1' }))).toBeLessThan(estimatedRunCost(config({ id: 'resnet50-keras' })) / 2);
  });

  it('orders runs most expensive first without changing the input', () => {
    const runs = [{ id: 'cbr-large-t' }, { id: 'cbr-tiny' }, { id: 'resnet50-keras' }].map((model) => ({ config: config(model as ModelSpec) }));
    const ordered = mostExpensiveFirst(runs);
    expect(ordered.map((r) => r.config.cell.model.id)).toEqual(['resnet50-keras', 'cbr-tiny', 'cbr-large-t']);
    expect(runs[0].config.cell.model.id).toBe('cbr-large-t');
  });

  // Measured when written: 0.894 (cpu64, 64-121 px), 0.908 (cpu, 128-217 px), 0.956 (paper, 224 px); the old
  // relative costs ordered 0.845, 0.762 and 0.740 of the pairs right.
  it('orders pairs of stored native runs as their measured epoch times do (> 85% of pairs per profile)', () => {
    const records = readResults(path.join(__dirname, '../../results')).filter(
      (r) => r.status === 'ok' && r.curve && r.provenance?.backend?.backend === 'native' && r.provenance.backend.threads === 1,
    );
    const profiles = [...new Set(records.map((r) => r.config.profile))];
    expect(profiles).toContain('paper');
    for (const profile of profiles) {
      const runs = records.filter((r) => r.config.profile === profile);
      const perEpoch = runs.map((r) => r.wallSeconds / r.curve!.length);
      const estimated = runs.map((r) => estimatedRunCost(r.config) / r.config.training.epochs);
      expect(concordance(estimated, perEpoch), `${profile}: ${runs.length} runs`).toBeGreaterThan(0.85);
    }
  });
});
