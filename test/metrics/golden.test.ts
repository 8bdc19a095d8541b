import { describe, expect, it } from 'vitest';
import { auprc, auroc, averagePrecision, prCurve, rocCurve } from '../../lib/metrics';
import type { EncodedArray } from './golden-cases';
import { caseInputs, generate, loadGolden } from './golden-cases';

const TOL = 1e-12;
const golden = loadGolden();

/** |actual - expected| <= 1e-12, relative for magnitudes above 1 (thresholds, sums). */
function expectClose(actual: number, expected: number, what: string): void {
  const scale = Math.max(1, Math.abs(expected));
  if (!(Math.abs(actual - expected) <= TOL * scale)) {
    throw new Error(`${what}: got ${actual}, scikit-learn ${expected} (diff ${actual - expected})`);
  }
}

function expectArrayMatches(actual: number[], expected: EncodedArray, what: string): void {
  if (expected.values) {
    expect(actual.length, `${what} length`).toBe(expected.values.length);
    for (let i = 0; i < actual.length; i++) expectClose(actual[i]!, expected.values[i]!, `${what}[${i}]`);
    return;
  }
  expect(actual.length, `${what} length`).toBe(expected.length);
  let sum = 0;
  for (const v of actual) sum += v;
  expectClose(sum, expected.sum!, `sum of ${what}`);
  expected.sampleIndices!.forEach((index, k) => {
    expectClose(actual[index]!, expected.samples![k]!, `${what}[${index}]`);
  });
}

describe(`golden values from scikit-learn ${golden.sklearnVersion}`, () => {
  it('reproduces the generated inputs exactly (LCG recipe mirrors the Python script)', () => {
    const recipes = golden.cases.filter((c) => c.recipe);
    expect(recipes.length).toBeGreaterThan(0);
    for (const c of recipes) {
      const { labels, scores } = generate(c.recipe!);
      let positives = 0;
      for (const y of labels) positives += y;
      expect(labels.length).toBe(c.inputChecksum!.n);
      expect(positives, c.name).toBe(c.inputChecksum!.positives);
      expectClose(scores.reduce((a, b) => a + b, 0), c.inputChecksum!.scoreSum, `${c.name} score sum`);
    }
  });

  for (const c of golden.cases) {
    describe(c.name, () => {
      const { labels, scores } = caseInputs(c);

      if (c.roc) {
        it('rocCurve equals roc_curve(drop_intermediate=False)', () => {
          const roc = rocCurve(labels, scores);
          expectArrayMatches(roc.fpr, c.roc!.fpr, 'fpr');
          expectArrayMatches(roc.tpr, c.roc!.tpr, 'tpr');
          // sklearn < 1.3 puts max(score) + 1 first; we follow sklearn >= 1.3's +Infinity (see curves.ts).
          expect(roc.thresholds[0]).toBe(Infinity);
          const asSklearn121 = [roc.thresholds[1]! + 1, ...roc.thresholds.slice(1)];
          expectArrayMatches(asSklearn121, c.roc!.thresholds, 'thresholds');
        });
        it('auroc equals roc_auc_score', () => {
          expectClose(auroc(labels, scores), c.auroc!, 'auroc');
        });
      } else {
        it('rocCurve and auroc reject a single-class input', () => {
          expect(() => rocCurve(labels, scores)).toThrow(/no negative labels/);
          expect(() => auroc(labels, scores)).toThrow(/no negative labels/);
        });
      }

      it('prCurve equals precision_recall_curve', () => {
        const pr = prCurve(labels, scores);
        expectArrayMatches(pr.precision, c.pr!.precision, 'precision');
        expectArrayMatches(pr.recall, c.pr!.recall, 'recall');
        expectArrayMatches(pr.thresholds, c.pr!.thresholds, 'thresholds');
      });
      it('auprc (trapezoid) equals auc(recall, precision)', () => {
        expectClose(auprc(labels, scores), c.auprcTrapezoid!, 'auprc trapezoid');
        expectClose(auprc(labels, scores, 'trapezoid'), c.auprcTrapezoid!, 'auprc trapezoid');
      });
      it('auprc (average-precision) equals average_precision_score', () => {
        expectClose(auprc(labels, scores, 'average-precision'), c.averagePrecision!, 'average precision');
        expectClose(averagePrecision(labels, scores), c.averagePrecision!, 'average precision');
      });
    });
  }
});
