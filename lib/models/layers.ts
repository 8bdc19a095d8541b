/**
 * Building blocks with torch's numerics: BatchNorm epsilon 1e-5 and momentum 0.9 (torch's 0.1 counts the
 * other way), explicit symmetric zero padding + 'valid' convolutions (tfjs 'same' pads asymmetrically for
 * stride 2 and would not match torch), no conv bias where torch has none.
 *
 * Initializers here are constants; the random torch-style initialisation is applied afterwards by `init.ts`
 * from our own seeded RNG, so weights are repeatable across machines and backends.
 */
import * as tf from '@tensorflow/tfjs';

export type Sym = tf.SymbolicTensor;

export function apply(layer: tf.layers.Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

export function conv(
  x: Sym,
  name: string,
  filters: number,
  kernelSize: number,
  opts: { stride?: number; pad?: number; bias?: boolean } = {},
): Sym {
  const pad = opts.pad ?? 0;
  const input = pad > 0 ? zeroPad(x, `${name}.pad`, pad) : x;
  return apply(
    tf.layers.conv2d({
      name,
      filters,
      kernelSize,
      strides: opts.stride ?? 1,
      padding: 'valid',
      useBias: opts.bias ?? false,
      kernelInitializer: 'zeros',
      biasInitializer: 'zeros',
    }),
    input,
  );
}

export function batchNorm(x: Sym, name: string): Sym {
  return apply(
    tf.layers.batchNormalization({
      name,
      axis: -1,
      epsilon: 1e-5,
      momentum: 0.9,
      center: true,
      scale: true,
    }),
    x,
  );
}

export function relu(x: Sym, name: string): Sym {
  return apply(tf.layers.activation({ name, activation: 'relu' }), x);
}

export function zeroPad(x: Sym, name: string, pad: number): Sym {
  return apply(tf.layers.zeroPadding2d({ name, padding: pad }), x);
}

/**
 * torch pads max-pool windows with -inf; every max-pool we pad follows a ReLU, so zero padding gives the same
 * result (the window always holds a real value >= 0).
 */
export function maxPool(x: Sym, name: string, size: number, stride: number, pad = 0): Sym {
  const input = pad > 0 ? zeroPad(x, `${name}.pad`, pad) : x;
  return apply(tf.layers.maxPooling2d({ name, poolSize: size, strides: stride, padding: 'valid' }), input);
}

export function avgPool(x: Sym, name: string, size: number, stride: number): Sym {
  return apply(tf.layers.averagePooling2d({ name, poolSize: size, strides: stride, padding: 'valid' }), x);
}

export function linear(x: Sym, name: string, units: number): Sym {
  return apply(
    tf.layers.dense({ name, units, useBias: true, kernelInitializer: 'zeros', biasInitializer: 'zeros' }),
    x,
  );
}

export function modelInput(inputSize: number, channels: number): Sym {
  return tf.input({ shape: [inputSize, inputSize, channels], name: 'input' });
}
