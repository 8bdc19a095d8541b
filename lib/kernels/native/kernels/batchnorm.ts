/**
 * BatchNorm over the channel (last) axis.
 *  - FusedBatchNorm (tf.batchNorm, inference): one oneDNN pass with the given statistics.
 *  - RethinkBatchNormTrain / RethinkBatchNormTrainGrad: the training forward (batch statistics, biased variance as
 *    tf.moments) and the whole backward (dx, dγ, dβ) as single oneDNN primitives, optionally with the following
 *    ReLU fused in (attr relu: no ReLU pass forward or backward, and only the ReLU output is kept). They are the
 *    native path of the project's BatchNormalization training op (lib/backend/gradients/batchnorm-training.ts),
 *    not tfjs kernels, and have no gradients of their own.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeBackend } from '../backend';
import { attr, input, isF32, nativeKernel, sizeOf } from './common';

export const BATCH_NORM_TRAIN = 'RethinkBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'RethinkBatchNormTrainGrad';

/** [M, C] of x viewed as rows of channels. */
function rowsOfChannels(x: TensorInfo): Int32Array {
  const c = x.shape[x.shape.length - 1];
  return Int32Array.from([c === 0 ? 0 : sizeOf(x.shape) / c, c]);
}

/** A per-channel parameter's values, or a constant vector when the parameter is absent. */
function channelValues(be: NativeBackend, t: TensorInfo | undefined, c: number, fill: number): Float32Array | null {
  if (t == null) return new Float32Array(c).fill(fill);
  return sizeOf(t.shape) === c && t.dtype === 'float32' ? be.f32(t) : null;
}

const fusedBatchNorm = nativeKernel('FusedBatchNorm', (args, be, addon) => {
  const x = input(args, 'x');
  if (!isF32(x) || x.shape.length < 2 || sizeOf(x.shape) === 0) return null;
  const c = x.shape[x.shape.length - 1];
  const mean = channelValues(be, input(args, 'mean'), c, 0);
  const variance = channelValues(be, input(args, 'variance'), c, 1);
  const scale = channelValues(be, args.inputs['scale'] as TensorInfo | undefined, c, 1);
  const offset = channelValues(be, args.inputs['offset'] as TensorInfo | undefined, c, 0);
  if (mean == null || variance == null || scale == null || offset == null) return null;
  const out = be.output(x.shape);
  const epsilon = attr<number | undefined>(args, 'varianceEpsilon') ?? 0.001;
  addon.batchNormInference(be.f32(x), mean, variance, scale, offset, out.values, rowsOfChannels(x), epsilon, 0);
  return out.info;
});

/** The fused-ReLU workspace (a bit mask oneDNN writes forward and reads backward) seen as bytes. */
function workspaceBytes(ws: Float32Array): Uint8Array {
  return new Uint8Array(ws.buffer, ws.byteOffset, ws.byteLength);
}

const batchNormTrain = nativeKernel(BATCH_NORM_TRAIN, (args, be, addon) => {
  const x = input(args, 'x');
  const c = x.shape[x.shape.length - 1];
  const relu = attr<boolean | undefined>(args, 'relu') === true;
  const epsilon = attr<number>(args, 'epsilon');
  const shape = rowsOfChannels(x);
  const y = be.output(x.shape);
  const mean = be.output([c]);
  const variance = be.output([c]);
  // With relu: y is relu(bn(x)) and a 4th output carries the mask for the backward pass, stored as float32
  // words so it lives in the same pool (nothing but RethinkBatchNormTrainGrad reads it).
  const ws = relu ? be.output([Math.ceil(addon.batchNormWorkspaceBytes(shape, epsilon) / 4)]) : null;
  addon.batchNormTrainForward(
    be.f32(x), be.f32(input(args, 'gamma')), be.f32(input(args, 'beta')),
    y.values, mean.values, variance.values, ws ? workspaceBytes(ws.values) : null, shape, epsilon,
  );
  return ws ? [y.info, mean.info, variance.info, ws.info] : [y.info, mean.info, variance.info];
});

const batchNormTrainGrad = nativeKernel(BATCH_NORM_TRAIN_GRAD, (args, be, addon) => {
  const x = input(args, 'x');
  const c = x.shape[x.shape.length - 1];
  const ws = args.inputs['workspace'] as TensorInfo | undefined;
  const dx = be.output(x.shape);
  const dgamma = be.output([c]);
  const dbeta = be.output([c]);
  addon.batchNormTrainBackward(
    be.f32(input(args, 'dy')), be.f32(x), be.f32(input(args, 'mean')), be.f32(input(args, 'variance')),
    be.f32(input(args, 'gamma')), be.f32(input(args, 'beta')), ws ? workspaceBytes(be.f32(ws)) : null,
    dx.values, dgamma.values, dbeta.values, rowsOfChannels(x), attr<number>(args, 'epsilon'),
  );
  return [dx.info, dgamma.info, dbeta.info];
});

export const batchNormKernels = [fusedBatchNorm, batchNormTrain, batchNormTrainGrad];
