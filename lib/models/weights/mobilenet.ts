/**
 * MobileNet v1 (alpha 0.25, 224 px) ImageNet weights in tfjs LayersModel format (Apache-2.0; see
 * `../shared/weights/mobilenet_v1_0.25_224/README.md`): small real weights, good for tests and demos.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { WeightsError } from '../../errors';
import { parseSha256Sums, verifySha256Sums } from './sha256';
import { loadLayersModelFromDir } from './tfjs-files';

/** Load the model from `dir`, checking model.json and shards against the folder's SHA256SUMS when present. */
export async function loadMobileNetV1(dir: string): Promise<tf.LayersModel> {
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    throw new WeightsError(`no MobileNet v1 model.json in ${dir}`, { file: path.join(dir, 'model.json') });
  }
  const sumsFile = path.join(dir, 'SHA256SUMS');
  if (fs.existsSync(sumsFile)) {
    const sums = parseSha256Sums(fs.readFileSync(sumsFile, 'utf-8'), sumsFile);
    verifySha256Sums(dir, sums, (rel) => rel === 'model.json' || rel.startsWith('group'));
  }
  return loadLayersModelFromDir(dir);
}
