import { ConfigError, DataError } from '../errors';
import { createRng, deriveSeed } from '../util/random';
import { ImageCache } from './image/cache';
import { createDecodePool, type DecodePool } from './image/decode-pool';
import { normalizationTables, writeNormalized } from './image/normalize';
import { loadPipelineImage } from './image/pipeline';
import type { Batch, BatchSource, BatchSourceOptions, Dataset, DatasetItem, ImagePipelineOptions } from './types';

export interface BatchSourceExtras {
  /** Disk cache for decoded images (default: a cache in RETHINK_CACHE or ~/.cache/rethink-tl); false = none. */
  cache?: ImageCache | false;
  /** Batches loaded ahead of the consumer (default 1: the next batch decodes while the current one trains). */
  prefetch?: number;
  /** Apply `pipeline.augment` (default true when the pipeline has augmentation). Set false for evaluation. */
  augment?: boolean;
  /**
   * Worker threads decoding cache misses (default 0: on the main thread). The source starts its own pool on the
   * first batch; its idle workers never keep the process alive. Ignored when `decodePool` is given.
   */
  decodeThreads?: number;
  /** A pool shared with other sources (the caller closes it). */
  decodePool?: DecodePool;
}

/** Options and items a batch source cannot work with, named before any image is read. */
function checkBatchOptions(dataset: Dataset, items: DatasetItem[], options: BatchSourceOptions & BatchSourceExtras): void {
  const { batchSize, pipeline } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`batchSize must be a positive integer, got ${batchSize}`, { field: 'batchSize' });
  if (!Number.isInteger(pipeline.size) || pipeline.size < 1) throw new ConfigError(`pipeline.size must be a positive integer, got ${pipeline.size}`, { field: 'pipeline.size' });
  const decodeThreads = options.decodeThreads ?? 0;
  if (!Number.isInteger(decodeThreads) || decodeThreads < 0) throw new ConfigError(`decodeThreads must be a non-negative integer, got ${decodeThreads}`, { field: 'decodeThreads' });
  const numLabels = dataset.labelNames.length;
  for (const item of items) {
    if (item.labels.length !== numLabels) {
      throw new ConfigError(`item "${item.id}" has ${item.labels.length} labels, dataset "${dataset.id}" has ${numLabels}`, { key: item.id });
    }
  }
}

/** The groups' batches in order, with up to `prefetch` later batches loading while the consumer holds one. */
function prefetched(groups: number[][], prefetch: number, build: (group: number[]) => Promise<Batch>): AsyncIterable<Batch> {
  return {
    async *[Symbol.asyncIterator]() {
      const pending: Array<Promise<Batch>> = [];
      let next = 0;
      const fill = (): void => {
        while (next < groups.length && pending.length < prefetch + 1) {
          const p = build(groups[next++]!);
          // A prefetched batch may fail before it is awaited; the error surfaces when it is consumed.
          p.catch(() => undefined);
          pending.push(p);
        }
      };
      for (fill(); pending.length > 0; fill()) {
        const batch = await pending.shift()!;
        // Cached and in-memory images resolve as microtasks only, which would keep the event loop from ever
        // reaching signals, IPC messages and 'disconnect' during a whole run; one turn per batch costs ~nothing.
        await new Promise<void>((resolve) => setImmediate(resolve));
        yield batch;
      }
    },
  };
}

/**
 * Batches of normalised NHWC floats for one list of items. Each epoch's order comes from (seed, epoch) and each
 * item's augmentation from (seed, epoch, item id), so the same epoch always yields the same batches whatever
 * was consumed before. Images load asynchronously (sharp runs on libuv's thread pool) while the consumer works
 * on the previous batch.
 */
export function createBatchSource(dataset: Dataset, items: DatasetItem[], options: BatchSourceOptions & BatchSourceExtras): BatchSource {
  const { batchSize, pipeline } = options;
  checkBatchOptions(dataset, items, options);
  const numLabels = dataset.labelNames.length;
  const cache = options.cache === false ? undefined : (options.cache ?? new ImageCache());
  const prefetch = Math.max(0, options.prefetch ?? 1);
  const withMask = items.some((it) => it.mask !== undefined);
  const tables = normalizationTables(pipeline.normalize, pipeline.channels);
  const augment = options.augment ?? pipeline.augment !== undefined;
  const side = pipeline.size;
  const decodeThreads = options.decodeThreads ?? 0;
  let pool = options.decodePool;
  const decodePool = (): DecodePool | undefined => {
    if (!pool && decodeThreads > 0) pool = createDecodePool({ threads: decodeThreads });
    return pool;
  };

  const orderFor = (epoch: number): number[] => {
    const order = items.map((_, i) => i);
    return options.shuffle ? createRng(deriveSeed(options.seed, 'shuffle', epoch)).shuffle(order) : order;
  };

  const buildBatch = async (epoch: number, indices: number[]): Promise<Batch> => {
    const batchItems = indices.map((i) => items[i]!);
    const images = await Promise.all(
      batchItems.map((item) =>
        loadPipelineImage(item.image, pipeline, cache, augment ? { seed: options.seed, epoch, itemId: item.id } : undefined, decodePool()).catch(
          (error: unknown) => {
            throw withOrigin(error, item);
          },
        ),
      ),
    );
    const size = batchItems.length;
    const x = new Float32Array(size * side * side * pipeline.channels);
    const y = new Float32Array(size * numLabels);
    const mask = withMask ? new Float32Array(size * numLabels) : undefined;
    batchItems.forEach((item, b) => {
      writeNormalized(images[b]!, x, b * side * side, tables);
      for (let k = 0; k < numLabels; k++) {
        y[b * numLabels + k] = item.labels[k]!;
        if (mask) mask[b * numLabels + k] = item.mask ? item.mask[k]! : 1;
      }
    });
    const batch: Batch = { ids: batchItems.map((it) => it.id), size, height: side, width: side, channels: pipeline.channels, x, y };
    if (mask) batch.mask = mask;
    return batch;
  };

  return {
    numItems: items.length,
    numLabels,
    batches(epoch: number): AsyncIterable<Batch> {
      const order = orderFor(epoch);
      const groups: number[][] = [];
      for (let start = 0; start < order.length; start += batchSize) {
        const group = order.slice(start, start + batchSize);
        if (group.length < batchSize && options.dropLast) break;
        groups.push(group);
      }
      return prefetched(groups, prefetch, (group) => buildBatch(epoch, group));
    },
  };
}

/** The given items as one batch, in order, unaugmented (e.g. a few images to show a forward pass in a notebook). */
export async function imageBatch(dataset: Dataset, items: DatasetItem[], pipeline: ImagePipelineOptions): Promise<Batch> {
  const source = createBatchSource(dataset, items, { batchSize: Math.max(1, items.length), shuffle: false, seed: 0, pipeline, augment: false });
  for await (const batch of source.batches(0)) return batch;
  throw new ConfigError('imageBatch: no items given', { field: 'items' });
}

/** A decode error that names the item's label-file row, so a bad image found mid-training points at its CSV line. */
function withOrigin(error: unknown, item: DatasetItem): unknown {
  if (!item.origin || !(error instanceof Error)) return error;
  const where = `${item.origin.file}, row ${item.origin.row}`;
  return new DataError(`${where} (item "${item.id}"): ${error.message}`, { file: item.origin.file, row: item.origin.row, key: item.id });
}
