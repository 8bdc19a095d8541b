/**
 * The backend-independent training patches, installed by every training backend (wasm, native): they change
 * how tfjs builds and walks the gradient tape, not what any kernel computes.
 *  - FusedBatchNorm gradient that broadcasts instead of using Tile.
 *  - low-memory backprop: Engine.gradients frees each tape node's activations and gradients once used.
 *  - tf.fused.conv2d runs as conv2d + add while a tape records, so unused input gradients are never computed.
 *  - tf.layers BatchNormalization trains as one op with a closed-form backward, in the active backend's
 *    single-pass kernels when it has them.
 * They patch tfjs-core/tfjs-layers internals, so they are applied only for the exact tfjs-core version they
 * were written against; otherwise nothing is patched and the reason is returned.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fusedBatchNormGradConfig } from './batchnorm-grad';
import { installBatchNormTraining } from './batchnorm-training';
import { installLowMemoryBackprop } from './low-memory-backprop';
import { isSupportedTfjsCore, SUPPORTED_TFJS_CORE, tfjsCoreVersion } from './tfjs-internals';
import { installUnfusedConvTraining } from './unfused-conv-training';

export interface TrainingPatches {
  gradients: string[];
  lowMemoryBackprop: boolean;
  /** Why the patches were skipped, if they were. */
  skipped: string[];
}

/** Idempotent. */
export function installTrainingPatches(): TrainingPatches {
  if (!isSupportedTfjsCore()) {
    return {
      gradients: [],
      lowMemoryBackprop: false,
      skipped: [
        `tfjs-core ${tfjsCoreVersion()} is not ${SUPPORTED_TFJS_CORE}: FusedBatchNorm gradient and low-memory ` +
          'backprop not installed (stock code used; training works but needs more memory)',
      ],
    };
  }
  tf.registerGradient(fusedBatchNormGradConfig);
  installLowMemoryBackprop();
  installUnfusedConvTraining();
  installBatchNormTraining();
  return {
    gradients: [
      fusedBatchNormGradConfig.kernelName,
      'fused.conv2d (unfused while recording)',
      'BatchNormalization layer (one op, closed-form backward)',
    ],
    lowMemoryBackprop: true,
    skipped: [],
  };
}
