import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../lib/experiments/types';
import { auroc } from '../../lib/metrics/index';
import { armPoints, pairedRows, schemeOf, seenUnseenRows, studyRuns, testPrevalence } from '../../lib/report/pneumonia';
import { budgetFindings, comparisonFindings } from '../../lib/report/pneumonia-conclusions';
import { pneumoniaConclusionsMarkdown } from '../../lib/report/pneumonia-markdown';
import { createRng } from '../../lib/util/random';
import { makeRecord } from '../experiments/records';

const N = 200;
const labels = Array.from({ length: N }, (_, i) => (i % 4 === 0 ? 0 : 1));
const ids = labels.map((_, i) => `test-${i}`);

/** A Kermany run whose test logits separate the classes by `signal` (plus seeded noise). */
function run(cellName: string, fraction: number, seed: number, signal: number, scheme = 'suggested', order = ids): RunRecord {
  const r = makeRecord(`${cellName}-${fraction}-${seed}-${scheme}`, 'ok', seed);
  const rng = createRng(seed * 1000 + Math.round(signal * 100) + cellName.length);
  const logitById = new Map(ids.map((id, i) => [id, rng.normal() + signal * labels[i]!]));
  r.cellName = cellName;
  r.config = { ...r.config, dataset: { ...r.config.dataset, id: 'kermany-pneumonia' }, fraction, profile: 'cpu64' };
  r.provenance = {
    dataset: { title: `Pediatric chest X-rays (Kermany et al. 2018), 5,840 images, 224 px: pneumonia vs normal, ${scheme} split`, counts: { train: { items: Math.round(4694 * fraction) } } },
  } as unknown as RunRecord['provenance'];
  r.testScores = { ids: order, labels: order.map((id) => labels[ids.indexOf(id)]!), scores: [], logits: order.map((id) => logitById.get(id)!) };
  return r;
}

const runs = [
  run('TL', 0.1, 0, 2.5), run('TL', 0.1, 1, 2.4), run('RI', 0.1, 0, 0.6), run('RI', 0.1, 1, 0.7),
  run('TL', 1, 0, 3), run('RI', 1, 0, 2.9), run('RI', 1, 1, 2.8, 'suggested', [...ids].reverse()),
  run('TL', 1, 0, 3, 'grouped'),
];

describe('pneumonia study numbers', () => {
  it('keeps finished runs of one scheme and profile, the scheme read from the dataset title', () => {
    expect(schemeOf(runs[7]!)).toBe('grouped');
    expect(studyRuns(runs, 'suggested', 'cpu64')).toHaveLength(7);
    expect(studyRuns(runs, 'suggested', 'cpu')).toHaveLength(0);
  });

  it('a curve point is the seed-mean metric, aligned by test id even when a run stored another order', () => {
    const suggested = studyRuns(runs, 'suggested', 'cpu64');
    const ri = armPoints(suggested, 'RI', { seed: 1, nBoot: 200 });
    expect(ri.map((p) => [p.fraction, p.seeds, p.trainImages])).toEqual([[0.1, 2, 469], [1, 2, 4694]]);
    const at1 = suggested.filter((r) => r.cellName === 'RI' && r.config.fraction === 1);
    const expected = at1.map((r) => auroc(r.testScores!.labels, r.testScores!.logits!)).reduce((a, b) => a + b) / 2;
    expect(ri[1]!.AUROC.estimate).toBeCloseTo(expected, 12);
    expect(ri[1]!.AUROC.lower).toBeLessThan(ri[1]!.AUROC.estimate);
  });

  it('pairs seeds that both arms have: TL − RI where TL is clearly better excludes 0', () => {
    const rows = pairedRows(studyRuns(runs, 'suggested', 'cpu64'), [{ a: 'TL', b: 'RI', aName: 'TL', bName: 'RI' }], { seed: 2, nBoot: 300 });
    const at10 = rows.find((r) => r.fraction === 0.1 && r.metric === 'AUROC')!;
    expect(at10.seeds).toBe(2);
    expect(at10.lower).toBeGreaterThan(0);
    expect(at10.detectable).toBeGreaterThan(0);
    const at100 = rows.find((r) => r.fraction === 1 && r.metric === 'AUROC')!;
    expect(at100.seeds).toBe(1);
    expect(rows.filter((r) => r.metric === 'AUPRC')).toHaveLength(2);
    expect(at10.comparison).toBe('TL − RI');
  });

  it('a conclusion names each arm by its own name, not by parsing the label with its context', () => {
    const pairs = [
      { a: 'RI', b: 'TL', aName: 'RI', bName: 'TL', context: 'grouped split' },
      { a: 'RI', b: 'TL', aName: 'RI', bName: 'TL, fine-tuned' },
    ];
    const rows = pairedRows(studyRuns(runs, 'suggested', 'cpu64'), pairs, { seed: 2, nBoot: 300 });
    const text = pneumoniaConclusionsMarkdown({ comparisons: comparisonFindings(rows), truncation: [], sanity: [], leakage: [], schemeGaps: [] });
    expect(text).toContain('**RI − TL, grouped split, AUROC:** TL is better at 10%');
    expect(text).not.toContain('TL, grouped split is better');
    expect(text).toContain('**RI − TL, fine-tuned, AUROC:** TL, fine-tuned is better at 10%');
  });

  it('runs with different test sets cannot be compared', () => {
    const other = run('RI', 0.1, 0, 1, 'suggested', ids.map((id) => `${id}-x`));
    expect(() => pairedRows([runs[0]!, other], [{ a: 'TL', b: 'RI', aName: 'TL', bName: 'RI' }], { seed: 0, nBoot: 10 })).toThrow(/has no test score for "test-0"/);
  });

  it('seen and unseen patients are scored against the same negatives', () => {
    const seen = (id: string): boolean => Number(id.split('-')[1]) % 2 === 1;
    const [row] = seenUnseenRows(studyRuns(runs, 'suggested', 'cpu64'), ['TL'], 0.1, seen, { seed: 3, nBoot: 100 });
    expect(row!.seen.positives + row!.unseen.positives).toBe(labels.filter((y) => y === 1).length);
    expect(row!.seen.negatives).toBe(50);
    expect(row!.unseen.negatives).toBe(50);
    expect(testPrevalence(runs[0]!)).toBe(0.75);
  });
});

describe('the epoch-budget finding', () => {
  /** A fine-tuned run whose validation curve peaks at `best` of `epochs` epochs and stopped for `stop`. */
  const trained = (cellName: string, fraction: number, seed: number, best: number, epochs: number, stop: 'max-epochs' | 'early-stopping'): RunRecord => {
    const r = makeRecord(`${cellName}-${fraction}-${seed}-budget`, 'ok', seed);
    r.cellName = cellName;
    r.config = { ...r.config, fraction, training: { ...r.config.training, epochs: 15, batchSize: 32 } };
    r.curve = Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1, trainImages: 47, valMeanAuprc: i + 1 === best ? 0.9 : 0.8 }) as unknown as NonNullable<RunRecord['curve']>[number]);
    r.bestEpoch = best;
    r.stopReason = stop;
    return r;
  };

  it('names the cells and fractions whose runs were still improving when their epochs ran out, with the steps they took', () => {
    const findings = budgetFindings([
      trained('TL', 0.01, 0, 15, 15, 'max-epochs'),
      trained('TL', 0.01, 1, 15, 15, 'max-epochs'),
      trained('TL', 0.01, 2, 9, 15, 'max-epochs'), // peaked earlier: not still improving
      trained('RI', 0.01, 0, 9, 14, 'early-stopping'),
      trained('RI', 0.01, 1, 14, 14, 'early-stopping'), // best last, but stopped early: budget not the limit
    ]);
    expect(findings).toEqual([{ cellName: 'TL', fraction: 0.01, runs: 3, stillImproving: 2, epochs: 15, steps: 30 }]);
    expect(budgetFindings([trained('RI', 0.01, 0, 9, 14, 'early-stopping')])).toEqual([]);
  });
});
