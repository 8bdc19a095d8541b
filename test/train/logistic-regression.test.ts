import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors';
import { fitLogisticRegression, logisticDecision } from '../../lib/train/logistic-regression';

interface GoldenCase {
  name: string;
  C: number;
  n: number;
  d: number;
  x: number[];
  y: number[];
  coef: number[];
  intercept: number;
  decision: number[];
}

const golden = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/train-logistic-golden.json'), 'utf8')) as { cases: GoldenCase[] };

/** sklearn's objective ½‖w‖² + C Σ log(1 + exp(-s·z)) evaluated in double precision. */
function objective(c: GoldenCase, w: number[], b: number): number {
  let total = 0.5 * w.reduce((acc, v) => acc + v * v, 0);
  for (let i = 0; i < c.n; i++) {
    let z = b;
    for (let j = 0; j < c.d; j++) z += w[j]! * Math.fround(c.x[i * c.d + j]!);
    const m = c.y[i] === 1 ? -z : z;
    total += c.C * (m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m)));
  }
  return total;
}

describe('fitLogisticRegression equals scikit-learn LogisticRegression(lbfgs)', () => {
  for (const c of golden.cases) {
    it(c.name, () => {
      const x = Float32Array.from(c.x);
      const fit = fitLogisticRegression(x, c.y, c.d, { C: c.C });
      expect(fit.converged).toBe(true);
      // scipy's L-BFGS-B (behind sklearn) also stops on a relative objective decrease of ~2e-9, so sklearn's
      // coefficients are themselves accurate to ~1e-5: ours must agree to 1e-4 and be at least as optimal.
      const scale = Math.max(...c.coef.map(Math.abs), Math.abs(c.intercept));
      for (let j = 0; j < c.d; j++) expect(Math.abs(fit.weights[j]! - c.coef[j]!) / scale).toBeLessThan(1e-4);
      expect(Math.abs(fit.intercept - c.intercept) / scale).toBeLessThan(1e-4);
      expect(fit.objective).toBeLessThanOrEqual(objective(c, c.coef, c.intercept) + 1e-12);
      const decision = logisticDecision(fit, x, c.d);
      const dscale = Math.max(...c.decision.map(Math.abs));
      for (let i = 0; i < c.n; i++) expect(Math.abs(decision[i]! - c.decision[i]!) / dscale).toBeLessThan(1e-4);
    });
  }

  it('a warm start reaches the same solution', () => {
    const c = golden.cases[0]!;
    const x = Float32Array.from(c.x);
    const cold = fitLogisticRegression(x, c.y, c.d, { C: c.C });
    const other = fitLogisticRegression(x, c.y, c.d, { C: c.C * 10 });
    const warm = fitLogisticRegression(x, c.y, c.d, { C: c.C, initial: Float64Array.from([...other.weights, other.intercept]) });
    for (let j = 0; j < c.d; j++) expect(warm.weights[j]).toBeCloseTo(cold.weights[j]!, 6);
  });

  it('rows with sample weight 0 do not change the fit', () => {
    const c = golden.cases[0]!;
    const x = Float32Array.from(c.x);
    const base = fitLogisticRegression(x, c.y, c.d, { C: c.C });
    const extraX = Float32Array.from([...c.x, ...new Array(c.d).fill(50)]);
    const weight = new Float64Array(c.n + 1).fill(1);
    weight[c.n] = 0;
    const masked = fitLogisticRegression(extraX, [...c.y, 1], c.d, { C: c.C, sampleWeight: weight });
    for (let j = 0; j < c.d; j++) expect(masked.weights[j]).toBeCloseTo(base.weights[j]!, 6);
  });

  it('bad inputs are named errors', () => {
    const x = new Float32Array(6);
    expect(() => fitLogisticRegression(x, [0, 1, 0], 2, { C: 0 })).toThrow(ConfigError);
    expect(() => fitLogisticRegression(x, [0, 1], 2, { C: 1 })).toThrow(/2 labels for 3 rows/);
    expect(() => fitLogisticRegression(x, [0, 2, 1], 2, { C: 1 })).toThrow(/label 1 is 2, not 0 or 1/);
    expect(() => fitLogisticRegression(x, [0, 1, 1], 4, { C: 1 })).toThrow(/not rows of 4/);
  });
});
