/**
 * Adam with PyTorch's semantics (torch.optim.Adam, amsgrad off): L2 weight decay added to the gradient, bias
 * corrections computed on the host in double precision, eps added after the bias-corrected square root.
 *
 * Why not tf.train.adam: its epsilon defaults to 1e-7, it has no weight decay, and its bias-correction
 * accumulators are rebuilt with `pow` on restore, so a resumed run drifts from an uninterrupted one in the
 * last bits. Here the whole state is (step, m, v) and restores exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import { fusedAdamAvailable, fusedAdamStep } from '../kernels/native/adam';
import type { AdamOptions } from './types';

export const DEFAULT_ADAM: AdamOptions = {
  learningRate: 1e-4,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
};

export interface AdamState {
  step: number;
  learningRate: number;
  /** First and second moments, one array per variable, in the optimiser's variable order. */
  m: Float32Array[];
  v: Float32Array[];
}

export class TorchAdam {
  readonly options: AdamOptions;
  learningRate: number;
  private step = 0;
  private readonly variables: tf.Variable[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(variables: tf.Variable[], options: Partial<AdamOptions> = {}) {
    this.options = { ...DEFAULT_ADAM, ...options };
    for (const key of Object.keys(this.options) as Array<keyof AdamOptions>) {
      const value = this.options[key];
      if (!Number.isFinite(value) || value < 0) {
        throw new ConfigError(`optimizer.${key} must be a finite number >= 0, got ${value}`, { field: `optimizer.${key}` });
      }
    }
    this.learningRate = this.options.learningRate;
    this.variables = variables;
    // In a tidy, so the zeros each variable starts from are not left alive beside it.
    this.m = tf.tidy(() => variables.map((variable) => tf.variable(tf.zerosLike(variable), false)));
    this.v = tf.tidy(() => variables.map((variable) => tf.variable(tf.zerosLike(variable), false)));
  }

  get steps(): number {
    return this.step;
  }

  /** One update from gradients given in the same order as the variables. */
  apply(gradients: tf.Tensor[]): void {
    if (gradients.length !== this.variables.length) {
      throw new ConfigError(`TorchAdam.apply: ${gradients.length} gradients for ${this.variables.length} variables`);
    }
    this.step += 1;
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    const bc1 = 1 - beta1 ** this.step;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.step);
    const stepSize = this.learningRate / bc1;
    if (fusedAdamAvailable()) {
      // The same arithmetic, op for op, in one native call updating everything in place.
      fusedAdamStep(this.variables, gradients, this.m, this.v, { stepSize, beta1, beta2, bc2Sqrt, epsilon, weightDecay });
      return;
    }
    tf.tidy(() => {
      this.variables.forEach((param, i) => {
        let grad = gradients[i]!;
        if (weightDecay !== 0) grad = tf.add(grad, tf.mul(param, weightDecay));
        const m = tf.add(tf.mul(this.m[i]!, beta1), tf.mul(grad, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i]!, beta2), tf.mul(tf.square(grad), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), epsilon);
        param.assign(tf.sub(param, tf.mul(tf.div(m, denom), stepSize)));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
      });
    });
  }

  getState(): AdamState {
    return {
      step: this.step,
      learningRate: this.learningRate,
      m: this.m.map((t) => t.dataSync() as Float32Array),
      v: this.v.map((t) => t.dataSync() as Float32Array),
    };
  }

  setState(state: AdamState): void {
    if (state.m.length !== this.m.length || state.v.length !== this.v.length) {
      throw new ConfigError(
        `optimizer state has ${state.m.length} moments for ${this.m.length} variables: it belongs to another model`,
      );
    }
    const assign = (targets: tf.Variable[], values: Float32Array[], kind: string): void => {
      targets.forEach((target, i) => {
        if (values[i]!.length !== target.size) {
          throw new ConfigError(`optimizer state ${kind}[${i}] has ${values[i]!.length} values, variable has ${target.size}`);
        }
        tf.tidy(() => target.assign(tf.tensor(values[i]!, target.shape, 'float32')));
      });
    };
    assign(this.m, state.m, 'm');
    assign(this.v, state.v, 'v');
    this.step = state.step;
    this.learningRate = state.learningRate;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
