import { ConfigError } from '../errors';

/**
 * The paper's truncation levels, the one vocabulary for every architecture: T1..T3 keep the network through its
 * stage 1..3 (DenseNet121: transition 1..3; ResNet50: layer1..layer3), F keeps every stage ("full transfer").
 */
export type Truncation = 'T1' | 'T2' | 'T3' | 'F';
export const TRUNCATIONS: readonly Truncation[] = ['T1', 'T2', 'T3', 'F'];

/** The layer whose output ends each truncation level. */
export type CutPoints = Readonly<Record<Truncation, string>>;

/** Options shared by every architecture builder. */
export interface ModelOptions {
  /** Output units. Models return LOGITS (no sigmoid/softmax): use BCE-with-logits for multi-label, one unit for binary. */
  numClasses: number;
  /** Square input side in pixels (default 224). Fixed, because flatten heads depend on it. */
  inputSize?: number;
  /** 3 (RGB, default) or 1 (a 1-channel stem; load RGB weights into it with `stemFromRgb: 'sum'`). */
  channels?: 1 | 3;
  /** Seed of the random initialisation (default 0). */
  seed?: number;
}

export interface ResolvedModelOptions {
  numClasses: number;
  inputSize: number;
  channels: 1 | 3;
  seed: number;
}

export function resolveModelOptions(opts: ModelOptions, builder: string, minInputSize: number): ResolvedModelOptions {
  const { numClasses, inputSize = 224, channels = 3, seed = 0 } = opts;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ConfigError(`${builder}: numClasses must be a positive integer, got ${numClasses}`, { field: 'numClasses' });
  }
  if (!Number.isInteger(inputSize) || inputSize < minInputSize) {
    throw new ConfigError(`${builder}: inputSize must be an integer >= ${minInputSize}, got ${inputSize}`, {
      field: 'inputSize',
    });
  }
  if (channels !== 1 && channels !== 3) {
    throw new ConfigError(`${builder}: channels must be 1 or 3, got ${channels}`, { field: 'channels' });
  }
  if (!Number.isFinite(seed)) throw new ConfigError(`${builder}: seed must be a finite number`, { field: 'seed' });
  return { numClasses, inputSize, channels, seed };
}
