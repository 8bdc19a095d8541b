/**
 * Gradients that use native kernels when the active backend has them. The gradient registry is global (one
 * per kernel name for every backend), so each replacement keeps tfjs's own gradient and defers to it on every
 * other backend.
 *  - Relu: dy where x > 0 in one native pass, instead of Step, Cast and Multiply (three full passes).
 * And the gradient of the native-only RethinkConv2DBias kernel: dx, dW and db, each computed only when asked.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import { CONV2D_BIAS } from './kernels/conv';
import { RELU_GRAD } from './kernels/elementwise';

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
  const stock = tf.getGradient('Relu');
  if (stock == null) throw new Error('tfjs-core registers no Relu gradient to replace');
  const relu: GradConfig = {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      if (!hasKernel(RELU_GRAD)) return stock.gradFunc(dy, saved, attrs);
      const [x] = saved;
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dy as Tensor, x }) as Tensor };
    },
  };
  tf.registerGradient(relu);
  tf.registerGradient(conv2dBiasGrad);
  installed = true;
}
