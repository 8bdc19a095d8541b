/**
 * The one dataset interface every loader returns and every consumer (splits, training, notebooks) reads.
 * Training code never knows which dataset it has: it sees items with labels and an image reference.
 */

/** Where an item's pixels come from. Files are decoded by the sharp pipeline; memory images are already raw. */
export type ImageRef =
  | { kind: 'file'; path: string }
  | { kind: 'memory'; width: number; height: number; channels: 1 | 3; data: Uint8Array };

export type SplitName = 'train' | 'val' | 'test';

export interface DatasetItem {
  /** Stable, unique within the dataset. */
  id: string;
  image: ImageRef;
  /** One number per label in `Dataset.labelNames`, each 0 or 1 after the label policy is applied. */
  labels: number[];
  /** 1 where the label counts, 0 where the policy (U-Ignore) says to ignore it. Absent = all count. */
  mask?: number[];
  patientId?: string;
  view?: string;
  /** A split given by the source (CheXpert train/valid, a suggested split column), if any. */
  sourceSplit?: string;
  /** The label-file row the item came from, so later errors (a split leak, a failed decode) can name it. */
  origin?: { file: string; row: number };
  /**
   * sha256 of the image: the file's bytes, or a memory image's header and pixels. Identical images get one
   * split (splitDataset) and may never be in two (applySplits). Absent when the loader did not read the files
   * (imageCheck 'none').
   */
  imageSha256?: string;
}

export interface Dataset {
  /** Manifest id, e.g. 'covid-cohen', 'chexpert-v1.0-small', 'synthetic-cxr'. */
  id: string;
  title: string;
  labelNames: string[];
  items: DatasetItem[];
  /** True for generated data: every figure and table built from it must say so. */
  synthetic: boolean;
  /** Hash of what defines the data (manifest + label file contents + loader options); part of run config hashes. */
  contentHash: string;
  /**
   * Hash of the bytes training reads: every item's id and imageSha256. Kept apart from contentHash so that run
   * config hashes stay what they were before images were hashed; the runner checks it against the stored runs'
   * provenance instead (a changed or corrupt image is never counted as the same data). Null when some image was
   * not hashed (imageCheck 'none'). Set by loadDataset.
   */
  imagesHash?: string | null;
  /**
   * Set when the source's own split puts some patients in two splits and says so (Kermany's official split):
   * the caveat to show. Absent: a patient in two splits is an error.
   */
  sourceSplitOverlap?: string;
  /** Rows skipped under an explicit skip-bad-rows option, with the reason; empty when nothing was skipped. */
  skipped: Array<{ row?: number; file?: string; reason: string }>;
}

/** How pixels become a model input. Each pretrained source fixes its own normalisation. */
export interface ImagePipelineOptions {
  /** Output side length in pixels (square). */
  size: number;
  /** 3 replicates grayscale; 1 keeps a single channel. */
  channels: 1 | 3;
  /** 'pad-white' pads to square with white as the paper's code does; 'center-crop' crops; 'stretch' resizes. */
  fit: 'pad-white' | 'center-crop' | 'stretch';
  /**
   * 'imagenet': torchvision mean/std on [0,1]; 'caffe': Keras ResNet50 (RGB->BGR, minus BGR means, [0,255]);
   * 'minus-one-one': Keras MobileNet (x/127.5-1); 'xrv': TorchXRayVision ((2x/255-1)*1024); 'unit': [0,1].
   */
  normalize: 'imagenet' | 'caffe' | 'minus-one-one' | 'xrv' | 'unit';
  /** Training-time augmentation; seeded per (seed, epoch, item id). */
  augment?: {
    randomResizedCrop?: { scale: [number, number]; ratio: [number, number] };
    horizontalFlip?: boolean;
  };
}

/** One batch as plain typed arrays, NHWC; the consumer turns it into tensors and owns their disposal. */
export interface Batch {
  ids: string[];
  size: number;
  height: number;
  width: number;
  channels: number;
  /** size*height*width*channels floats, already normalised. */
  x: Float32Array;
  /** size*numLabels targets. */
  y: Float32Array;
  /** size*numLabels, 1 = counts; absent when every label counts. */
  mask?: Float32Array;
}

export interface BatchSourceOptions {
  batchSize: number;
  /** Shuffle item order each epoch (seeded by seed and epoch). */
  shuffle: boolean;
  seed: number;
  pipeline: ImagePipelineOptions;
  /** Drop a final batch smaller than batchSize (training) or keep it (evaluation). */
  dropLast?: boolean;
}

export interface BatchSource {
  readonly numItems: number;
  readonly numLabels: number;
  /** Batches for one epoch; the same (seed, epoch) always yields the same batches. */
  batches(epoch: number): AsyncIterable<Batch>;
}
