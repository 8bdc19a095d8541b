/**
 * Training through `tf.fused.conv2d` without wasted input gradients.
 *
 * tf.layers.conv2d with a bias (the CBR nets) calls tf.fused.conv2d, whose gradient is a customGrad that
 * always computes BOTH the input and the filter gradient. For the first conv of a model the input gradient is
 * never used, yet on a 7x7 conv over a 224 px image it is one of the most expensive kernels of the step.
 * While a gradient tape is recording, we route linear-activation fused convs through conv2d + add instead:
 * the engine then only runs the gradient closures whose inputs lead back to trainable variables. Outside a
 * tape (inference) the fused kernel is used unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV2D_BIAS } from '../../kernels/native/kernels/conv';
import { engineInternals } from './tfjs-internals';

type FusedConv2d = typeof tf.fused.conv2d;
type FusedArgs = Parameters<FusedConv2d>[0];

let stock: FusedConv2d | null = null;

/**
 * On a backend with the RethinkConv2DBias kernel (native): conv + bias as one kernel whose registered gradient
 * still evaluates dx, dW and db separately, so unused input gradients stay uncomputed and the bias costs no pass.
 */
function conv2dBiasOp(args: FusedArgs): tf.Tensor | null {
  const { x, filter, bias } = args;
  // tfjs-layers passes dilations as [1, 1].
  const dilations = args.dilations == null ? [1] : Array.isArray(args.dilations) ? args.dilations : [args.dilations];
  const plain = dilations.every((d) => d === 1) && (args.dataFormat == null || args.dataFormat === 'NHWC');
  if (bias == null || !plain || tf.getKernel(CONV2D_BIAS, tf.getBackend()) == null) return null;
  if (!(x instanceof tf.Tensor) || !(filter instanceof tf.Tensor) || !(bias instanceof tf.Tensor) || x.rank !== 4) return null;
  const attrs = { strides: args.strides, pad: args.pad, dimRoundingMode: args.dimRoundingMode } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(CONV2D_BIAS, { x, filter, bias }, attrs) as tf.Tensor;
}

export function installUnfusedConvTraining(): void {
  if (stock != null) return;
  const original = tf.fused.conv2d;
  stock = original;
  const fused = tf.fused as { conv2d: FusedConv2d };
  fused.conv2d = function conv2dForTraining<T extends tf.Tensor3D | tf.Tensor4D>(args: FusedArgs): T {
    const recording = engineInternals().state.gradientDepth > 0;
    const linear = args.activation == null || args.activation === 'linear';
    if (!recording || !linear || args.preluActivationWeights != null) return original(args) as T;
    const withBias = conv2dBiasOp(args);
    if (withBias != null) return withBias as T;
    return tf.tidy(() => {
      const y = tf.conv2d(
        args.x as tf.Tensor4D,
        args.filter as tf.Tensor4D,
        args.strides,
        args.pad,
        args.dataFormat,
        args.dilations,
        args.dimRoundingMode,
      );
      return (args.bias == null ? y : tf.add(y, args.bias as tf.Tensor)) as unknown as T;
    });
  } as FusedConv2d;
}

export function uninstallUnfusedConvTraining(): void {
  if (stock == null) return;
  (tf.fused as { conv2d: FusedConv2d }).conv2d = stock;
  stock = null;
}
