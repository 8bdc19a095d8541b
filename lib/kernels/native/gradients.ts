/**
 * Gradients that use native kernels when the active backend has them. The gradient registry is global (one
 * per kernel name for every backend), so each replacement keeps tfjs's own gradient and defers to it on every
 * other backend.
 *  - Relu: dy where x > 0 in one native pass, instead of Step, Cast and Multiply (three full passes).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import { RELU_GRAD } from './kernels/elementwise';

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) != null;
}

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
  installed = true;
}
