/**
 * Sample images of a dataset as one PNG grid with a caption per tile, for the exploration notebook: a seeded,
 * class-balanced draw (positives and negatives of one label), so a reader sees both kinds and the same grid on
 * every run.
 */
import sharp from 'sharp';
import { loadBaseImage } from '../../data/image/pipeline';
import type { Dataset, DatasetItem } from '../../data/types';
import { createRng, deriveSeed } from '../../util/random';
import { ReportInputError } from '../errors';

export interface SampleItemsOptions {
  /** Label whose positives and negatives are balanced (default: the dataset's first label). */
  label?: string;
  /** Images per class (default 4). */
  perClass?: number;
  seed?: number;
}

/** Up to `perClass` positives then up to `perClass` negatives of `label`, drawn with a seed. */
export function sampleItems(dataset: Pick<Dataset, 'labelNames' | 'items'>, options: SampleItemsOptions = {}): DatasetItem[] {
  const label = options.label ?? dataset.labelNames[0];
  const k = dataset.labelNames.indexOf(label);
  if (k < 0) {
    throw new ReportInputError(`sampleItems: unknown label '${label}' (labels: ${dataset.labelNames.join(', ')})`, { field: 'label' });
  }
  const perClass = options.perClass ?? 4;
  const rng = createRng(deriveSeed(options.seed ?? 0, 'sample-grid', label));
  const counted = dataset.items.filter((it) => (it.mask?.[k] ?? 1) === 1);
  const pick = (value: number): DatasetItem[] =>
    rng.shuffle(counted.filter((it) => it.labels[k] === value)).slice(0, perClass);
  return [...pick(1), ...pick(0)];
}

export interface ImageGridOptions {
  columns?: number;
  /** Tile side in pixels (default 128). */
  tile?: number;
  /** Caption under each tile (default: the item id). */
  caption?: (item: DatasetItem) => string;
}

const CAPTION_HEIGHT = 18;

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The items as a PNG grid: each image fitted into a square tile (padded, aspect kept), caption below. */
export async function imageGridPng(items: readonly DatasetItem[], options: ImageGridOptions = {}): Promise<Buffer> {
  if (items.length === 0) throw new ReportInputError('imageGridPng: no items to draw', { field: 'items' });
  const tile = options.tile ?? 128;
  const columns = Math.min(options.columns ?? 4, items.length);
  const rows = Math.ceil(items.length / columns);
  const cellH = tile + CAPTION_HEIGHT;
  const caption = options.caption ?? ((it: DatasetItem) => it.id);

  const tiles = await Promise.all(
    items.map(async (item, i) => {
      const gray = await loadBaseImage(item.image, tile, 'pad-white');
      const png = await sharp(Buffer.from(gray), { raw: { width: tile, height: tile, channels: 1 } }).png().toBuffer();
      return { input: png, left: (i % columns) * tile, top: Math.floor(i / columns) * cellH };
    }),
  );
  // Captions as one SVG overlay: sharp renders SVG text through librsvg.
  const texts = items
    .map((item, i) => {
      const x = (i % columns) * tile + tile / 2;
      const y = Math.floor(i / columns) * cellH + tile + CAPTION_HEIGHT - 5;
      return `<text x="${x}" y="${y}" text-anchor="middle">${escapeXml(caption(item))}</text>`;
    })
    .join('');
  const width = columns * tile;
  const height = rows * cellH;
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<style>text{font-family:DejaVu Sans,Arial,sans-serif;font-size:11px;fill:#222}</style>${texts}</svg>`,
  );
  return sharp({ create: { width, height, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite([...tiles, { input: svg, left: 0, top: 0 }])
    .png()
    .toBuffer();
}
