import sharp from 'sharp';
import type { Rng } from '../../util/random';

/** A crop box in pixels: top row i, left column j, height h, width w (torchvision's order). */
export interface CropBox {
  i: number;
  j: number;
  h: number;
  w: number;
}

/** Python's round(): halves go to the even neighbour (torchvision computes crop sizes with it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision `RandomResizedCrop.get_params`: up to 10 tries of a random area fraction in `scale` and a
 * log-uniform aspect ratio in `ratio`; if none fits, a central crop clamped to the ratio range.
 */
export function randomResizedCropBox(width: number, height: number, scale: [number, number], ratio: [number, number], rng: Rng): CropBox {
  const area = width * height;
  const logRatio: [number, number] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      // torch.randint(0, n + 1) is uniform over 0..n inclusive.
      const i = rng.int(height - h + 1);
      const j = rng.int(width - w + 1);
      return { i, j, h, w };
    }
  }
  const inRatio = width / height;
  let w: number;
  let h: number;
  if (inRatio < Math.min(...ratio)) {
    w = width;
    h = roundHalfEven(w / Math.min(...ratio));
  } else if (inRatio > Math.max(...ratio)) {
    h = height;
    w = roundHalfEven(h * Math.max(...ratio));
  } else {
    w = width;
    h = height;
  }
  return { i: Math.floor((height - h) / 2), j: Math.floor((width - w) / 2), h, w };
}

/** Crops a square gray image to `box` and resizes the crop to side x side (bilinear, antialiased). */
export async function cropAndResize(data: Uint8Array, sourceSide: number, box: CropBox, side: number): Promise<Uint8Array> {
  if (box.i === 0 && box.j === 0 && box.h === sourceSide && box.w === sourceSide && side === sourceSide) return data;
  const { data: out } = await sharp(data, { raw: { width: sourceSide, height: sourceSide, channels: 1 } })
    .extract({ left: box.j, top: box.i, width: box.w, height: box.h })
    .resize(side, side, { fit: 'fill', kernel: 'linear' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export function flipHorizontal(data: Uint8Array, side: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let y = 0; y < side; y++) {
    const row = y * side;
    for (let x = 0; x < side; x++) out[row + x] = data[row + side - 1 - x]!;
  }
  return out;
}
