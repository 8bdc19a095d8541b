/** Run records that satisfy the store's record schema, for tests that write stores by hand. */
import type { RunRecord } from '../../lib/experiments/types';

export function makeRecord(hash: string, status: RunRecord['status'], seed = 0, auroc = 0.8): RunRecord {
  const base: RunRecord = {
    schema: 1,
    status,
    configHash: hash,
    config: {
      dataset: { id: 'covid-cohen', contentHash: 'c', labelNames: ['covid19'], synthetic: false },
      split: { method: 'source', hash: 's', seed: 0 },
      fraction: 0.25,
      fractionLadder: [0.25, 0.5, 1],
      cell: { model: { id: 'cbr-small' }, init: 'RI' },
      weights: null,
      pipeline: { size: 121, channels: 3, fit: 'pad-white', normalize: 'imagenet' },
      training: {} as RunRecord['config']['training'],
      seed,
      profile: 'quick',
    },
    grid: 'fig4',
    cellName: 'CBR-Small-RI',
    seed,
    startedAt: '2020-01-01T00:00:00.000Z',
    finishedAt: '2020-01-01T00:01:00.000Z',
    wallSeconds: 60,
  };
  if (status === 'ok') {
    base.test = [{ label: 'covid19', auroc, auprc: auroc - 0.1, ap: auroc - 0.05, positives: 31, negatives: 14, aurocCI: null, auprcCI: null }];
  }
  if (status === 'failed') base.error = { name: 'Error', message: 'boom' };
  if (status === 'unavailable') base.reason = 'unavailable: weights missing';
  return base;
}
