/**
 * The CBR family of Transfusion (Raghu et al. 2019) exactly as the Rethink authors coded it
 * (sun-umn/TTL `utils/CBR.py`): each block is Conv2d(k, stride 1, NO padding, bias) -> BatchNorm -> ReLU,
 * followed by MaxPool 3x3 stride 2 (no padding) except after LargeT's last block; head GAP -> Dropout(0.1) ->
 * Linear. Module names match that file (`CBR1.conv`, `CBR1.bn`, `pool1`, `fc`), so its checkpoints load.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import { applyTorchInit } from './init';
import { apply, batchNorm, conv, linear, maxPool, modelInput, relu } from './layers';
import { resolveModelOptions, type ModelOptions } from './types';

export type CbrVariant = 'large-t' | 'large-w' | 'small' | 'tiny';

interface CbrSpec {
  widths: number[];
  kernel: number;
  poolAfterLast: boolean;
}

export const CBR_SPECS: Record<CbrVariant, CbrSpec> = {
  'large-t': { widths: [32, 64, 128, 256, 512], kernel: 7, poolAfterLast: false },
  'large-w': { widths: [64, 128, 256, 512], kernel: 7, poolAfterLast: true },
  small: { widths: [32, 64, 128, 256], kernel: 7, poolAfterLast: true },
  tiny: { widths: [64, 128, 256, 512], kernel: 5, poolAfterLast: true },
};

/** Smallest square input for which every valid conv/pool still has a window (224 for LargeT). */
export function cbrMinInputSize(variant: CbrVariant): number {
  const spec = CBR_SPECS[variant];
  let size = 1; // the last block must produce at least 1x1
  for (let i = spec.widths.length - 1; i >= 0; i--) {
    if (i < spec.widths.length - 1 || spec.poolAfterLast) size = (size - 1) * 2 + 3;
    size += spec.kernel - 1;
  }
  return size;
}

export function cbr(variant: CbrVariant, opts: ModelOptions): tf.LayersModel {
  const spec = CBR_SPECS[variant];
  if (!spec) {
    throw new ConfigError(`cbr: unknown variant '${variant}' (expected one of ${Object.keys(CBR_SPECS).join(', ')})`, {
      field: 'variant',
    });
  }
  const o = resolveModelOptions(opts, `cbr('${variant}')`, cbrMinInputSize(variant));
  const input = modelInput(o.inputSize, o.channels);
  let x = input;
  spec.widths.forEach((width, i) => {
    const n = i + 1;
    x = conv(x, `CBR${n}.conv`, width, spec.kernel, { bias: true });
    x = relu(batchNorm(x, `CBR${n}.bn`), `CBR${n}.relu`);
    if (n < spec.widths.length || spec.poolAfterLast) x = maxPool(x, `pool${n}`, 3, 2);
  });
  x = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  // Not seeded: tfjs reuses a fixed seed on every call, which would freeze one dropout mask for all of training.
  x = apply(tf.layers.dropout({ name: 'dp', rate: 0.1 }), x);
  const logits = linear(x, 'fc', o.numClasses);
  const model = tf.model({ inputs: input, outputs: logits, name: `cbr_${variant.replace('-', '_')}` });
  applyTorchInit(
    model,
    { convKernel: 'torch-default', convBias: 'torch-default', denseKernel: 'torch-default', denseBias: 'torch-default' },
    o.seed,
  );
  return model;
}
