/**
 * L2-regularised binary logistic regression fitted by L-BFGS: the linear probe's classifier. Its objective is
 * scikit-learn's `LogisticRegression(C=C, solver='lbfgs')` (intercept unpenalised):
 *
 *   min_{w,b}  ½‖w‖² + C Σᵢ [softplus(zᵢ) − yᵢ zᵢ],   zᵢ = w·xᵢ + b,
 *
 * so the fitted model is sklearn's up to the solver tolerance (tested against it). Double precision throughout;
 * the features arrive as float32 rows.
 */
import { ConfigError } from '../errors';

export interface LogisticFitOptions {
  /** Inverse regularisation strength, as sklearn's C (> 0). */
  C: number;
  /** Stop when the largest |gradient component| of the objective divided by n is below this (default 1e-8). */
  tolerance?: number;
  /** Default 2,000 L-BFGS iterations. */
  maxIterations?: number;
  /** Warm start: [w..., b] of a previous fit (e.g. at a neighbouring C). */
  initial?: Float64Array;
  /** Rows with weight 0 are left out (masked labels); default all 1. */
  sampleWeight?: Float64Array;
}

export interface LogisticFit {
  /** d coefficients. */
  weights: Float64Array;
  intercept: number;
  iterations: number;
  converged: boolean;
  /** The objective at the solution. */
  objective: number;
}

const HISTORY = 10;

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

interface Problem {
  x: Float32Array;
  y: ArrayLike<number>;
  n: number;
  d: number;
  C: number;
  weight: Float64Array | undefined;
}

/** Objective and gradient at theta = [w, b], gradient written into `grad`. */
function evaluate(p: Problem, theta: Float64Array, grad: Float64Array): number {
  const { x, y, n, d, C, weight } = p;
  let objective = 0;
  for (let j = 0; j < d; j++) {
    objective += 0.5 * theta[j]! * theta[j]!;
    grad[j] = theta[j]!;
  }
  grad[d] = 0;
  const b = theta[d]!;
  for (let i = 0; i < n; i++) {
    const sw = weight ? weight[i]! : 1;
    if (sw === 0) continue;
    const row = i * d;
    let z = b;
    for (let j = 0; j < d; j++) z += theta[j]! * x[row + j]!;
    objective += C * sw * (softplus(z) - y[i]! * z);
    const r = C * sw * (sigmoid(z) - y[i]!);
    for (let j = 0; j < d; j++) grad[j] += r * x[row + j]!;
    grad[d] += r;
  }
  return objective;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** The L-BFGS two-loop recursion: the search direction -H·grad from the stored (s, y) pairs. */
function direction(grad: Float64Array, s: Float64Array[], yv: Float64Array[]): Float64Array {
  const q = Float64Array.from(grad);
  const alpha: number[] = [];
  for (let k = s.length - 1; k >= 0; k--) {
    const a = dot(s[k]!, q) / dot(yv[k]!, s[k]!);
    alpha[k] = a;
    for (let i = 0; i < q.length; i++) q[i] -= a * yv[k]![i]!;
  }
  if (s.length > 0) {
    const last = s.length - 1;
    const gamma = dot(s[last]!, yv[last]!) / dot(yv[last]!, yv[last]!);
    for (let i = 0; i < q.length; i++) q[i] *= gamma;
  }
  for (let k = 0; k < s.length; k++) {
    const beta = dot(yv[k]!, q) / dot(yv[k]!, s[k]!);
    for (let i = 0; i < q.length; i++) q[i] += s[k]![i]! * (alpha[k]! - beta);
  }
  for (let i = 0; i < q.length; i++) q[i] = -q[i]!;
  return q;
}

function validate(x: Float32Array, y: ArrayLike<number>, d: number, options: LogisticFitOptions): number {
  if (!(options.C > 0) || !Number.isFinite(options.C)) throw new ConfigError(`logistic regression: C must be a finite number > 0, got ${options.C}`, { field: 'C' });
  if (!Number.isInteger(d) || d < 1 || x.length % d !== 0) throw new ConfigError(`logistic regression: ${x.length} feature values are not rows of ${d}`, { field: 'features' });
  const n = x.length / d;
  if (y.length !== n) throw new ConfigError(`logistic regression: ${y.length} labels for ${n} rows`, { field: 'labels' });
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new ConfigError(`logistic regression: label ${i} is ${y[i]}, not 0 or 1`, { field: 'labels', row: i });
  }
  if (options.initial && options.initial.length !== d + 1) {
    throw new ConfigError(`logistic regression: initial has ${options.initial.length} values, expected ${d + 1}`, { field: 'initial' });
  }
  return n;
}

/**
 * Fits the model to rows `x` (n × d, row-major) and 0/1 labels `y`. L-BFGS with a backtracking (Armijo) line
 * search; a curvature pair is kept only when sᵀy > 0, so the implicit Hessian stays positive definite.
 */
export function fitLogisticRegression(x: Float32Array, y: ArrayLike<number>, d: number, options: LogisticFitOptions): LogisticFit {
  const n = validate(x, y, d, options);
  const problem: Problem = { x, y, n, d, C: options.C, weight: options.sampleWeight };
  const tolerance = (options.tolerance ?? 1e-8) * Math.max(1, n);
  const maxIterations = options.maxIterations ?? 2000;
  let theta = options.initial ? Float64Array.from(options.initial) : new Float64Array(d + 1);
  let grad = new Float64Array(d + 1);
  let objective = evaluate(problem, theta, grad);
  const s: Float64Array[] = [];
  const yv: Float64Array[] = [];
  let iterations = 0;
  let converged = maxAbs(grad) <= tolerance;
  while (!converged && iterations < maxIterations) {
    iterations += 1;
    let dir = direction(grad, s, yv);
    let slope = dot(dir, grad);
    if (!(slope < 0)) {
      dir = grad.map((g) => -g);
      slope = dot(dir, grad);
      s.length = 0;
      yv.length = 0;
    }
    let step = s.length === 0 ? Math.min(1, 1 / Math.max(1e-12, maxAbs(grad))) : 1;
    const nextGrad = new Float64Array(d + 1);
    let next = theta;
    let nextObjective = objective;
    for (let tries = 0; tries < 60; tries++) {
      next = theta.map((t, i) => t + step * dir[i]!);
      nextObjective = evaluate(problem, next, nextGrad);
      if (nextObjective <= objective + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(nextObjective <= objective)) break;
    const sk = next.map((t, i) => t - theta[i]!);
    const yk = nextGrad.map((g, i) => g - grad[i]!);
    if (dot(sk, yk) > 1e-12 * dot(yk, yk)) {
      s.push(sk);
      yv.push(yk);
      if (s.length > HISTORY) {
        s.shift();
        yv.shift();
      }
    }
    const improvement = objective - nextObjective;
    theta = next;
    grad = nextGrad;
    objective = nextObjective;
    converged = maxAbs(grad) <= tolerance || improvement <= 1e-15 * Math.max(1, Math.abs(objective));
  }
  return { weights: theta.slice(0, d), intercept: theta[d]!, iterations, converged, objective };
}

/** Decision values w·x + b (logits) for rows of `x`. */
export function logisticDecision(fit: Pick<LogisticFit, 'weights' | 'intercept'>, x: Float32Array, d: number): Float64Array {
  const n = x.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = fit.intercept;
    for (let j = 0; j < d; j++) z += fit.weights[j]! * x[i * d + j]!;
    out[i] = z;
  }
  return out;
}
