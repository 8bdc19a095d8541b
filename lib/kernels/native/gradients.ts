/**
 * Gradients registered with the native backend. The gradient registry is global (one per kernel name for every
 * backend), so a replacement computes exactly tfjs's own gradient on every other backend.
 *  - Relu: saves its output instead of its input (y > 0 exactly where x > 0), so a ReLU after a residual add keeps
 *    no extra copy for backprop (the output is kept anyway by the layer it feeds, as PyTorch's in-place ReLU
 *    does); and on native, dy where y > 0 in one pass instead of Step, Cast and Multiply (three passes).
 * And the gradients of the native-only kernels: RethinkConv2DBias (dx, dW and db, each computed only when
 * asked) and RethinkSameShapeAdd (dy for both inputs, keeping neither).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import { CONV2D_BIAS } from './kernels/conv';
import { RELU_GRAD, SAME_SHAPE_ADD } from './kernels/elementwise';

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) != null;
}

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

const conv2dBiasGrad: GradConfig = {
  kernelName: CONV2D_BIAS,
  inputsToSave: ['x', 'filter', 'bias'],
  gradFunc: (dyIn: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const dy = dyIn as tf.Tensor4D;
    const [x, filter, bias] = saved as [tf.Tensor4D, tf.Tensor4D, Tensor];
    const strides = attrs['strides'] as [number, number] | number;
    const pad = attrs['pad'] as unknown as Pad;
    const rounding = attrs['dimRoundingMode'] as string | undefined;
    // The same kernels, with the same attributes, as tfjs-core's Conv2D gradient.
    const common = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: rounding };
    const run = (name: string, inputs: Record<string, Tensor>, extra: Record<string, unknown>): Tensor =>
      tf.engine().runKernel(name, inputs, { ...common, ...extra } as unknown as NamedAttrMap) as Tensor;
    return {
      x: () => run('Conv2DBackpropInput', { dy, filter }, { inputShape: x.shape }),
      filter: () => run('Conv2DBackpropFilter', { x, dy }, { filterShape: filter.shape }),
      bias: () => tf.reshape(tf.sum(dy, [0, 1, 2]), bias.shape),
    };
  },
};

let installed = false;

export function installNativeGradients(): void {
  if (installed) return;
  const relu: GradConfig = {
    kernelName: 'Relu',
    outputsToSave: [true],
    gradFunc: (dyIn: Tensor | Tensor[], saved: Tensor[]) => {
      const dy = dyIn as Tensor;
      const [y] = saved;
      if (hasKernel(RELU_GRAD)) return { x: () => tf.engine().runKernel(RELU_GRAD, { dy, x: y }) as Tensor };
      // tfjs-core's own formula, on the output.
      return { x: () => tf.mul(dy, tf.cast(tf.step(y), 'float32')) };
    },
  };
  tf.registerGradient(relu);
  tf.registerGradient(conv2dBiasGrad);
  tf.registerGradient({ kernelName: SAME_SHAPE_ADD, gradFunc: (dy: Tensor | Tensor[]) => ({ a: () => dy as Tensor, b: () => dy as Tensor }) });
  installed = true;
}
