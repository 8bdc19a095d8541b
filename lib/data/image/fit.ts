import sharp from 'sharp';
import type { ImagePipelineOptions } from '../types';
import type { GrayImage } from './decode';
import { fitSquareGray8 } from '../../kernels/image/resize';

export type Fit = ImagePipelineOptions['fit'];

/**
 * Makes a square `side` x `side` image:
 * - 'pad-white': pad to a square with white, centred, then resize (the paper's `expand2square` + Resize). Done in
 *   one libvips pass (resize to fit, then pad), which differs from pad-then-resize only in the antialiasing of
 *   the one-pixel seam at the border;
 * - 'center-crop': resize the shorter side to `side`, crop the centre (torchvision Resize + CenterCrop);
 * - 'stretch': resize both axes to `side`, ignoring aspect.
 * The default 'linear' kernel is PIL's BILINEAR (what torchvision's Resize applies to PIL images), computed by
 * resize.ts (WebAssembly SIMD kernels or typed-array loops, same bytes) with the same geometry as the libvips
 * path; it matches the fast PNG path in pipeline.ts pixel for pixel and avoids libvips' per-call overhead. Other
 * kernels go through libvips (the COVID prepare step uses lanczos3, as PIL LANCZOS did).
 */
export async function fitSquare(image: GrayImage, side: number, fit: Fit, kernel: keyof sharp.KernelEnum = 'linear'): Promise<Uint8Array> {
  if (image.width === side && image.height === side) return image.data;
  if (kernel === 'linear') return fitSquareGray8(image, side, fit);
  const { data } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } })
    .resize(side, side, resizeOptions(fit, kernel))
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** JPEG shrink-on-load is off so a file resized in one pass gives the same pixels as decode-then-resize. */
export function resizeOptions(fit: Fit, kernel: keyof sharp.KernelEnum): sharp.ResizeOptions {
  switch (fit) {
    case 'pad-white':
      return { fit: 'contain', position: 'centre', background: { r: 255, g: 255, b: 255, alpha: 1 }, kernel, fastShrinkOnLoad: false };
    case 'center-crop':
      return { fit: 'cover', position: 'centre', kernel, fastShrinkOnLoad: false };
    case 'stretch':
      return { fit: 'fill', kernel, fastShrinkOnLoad: false };
  }
}

/**
 * True for 8-bit single-channel PNG (colour type 0) and JPEG (one component, 8-bit precision): the common CXR
 * encodings, which need no luma, alpha or 16-bit handling and so can be decoded and resized in one libvips pass.
 */
export function isPlainGray8(bytes: Uint8Array): boolean {
  if (bytes.length > 26 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    return bytes[24] === 8 && bytes[25] === 0;
  }
  if (bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 9 < bytes.length && bytes[i] === 0xff) {
      const marker = bytes[i + 1]!;
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) return bytes[i + 4] === 8 && bytes[i + 9] === 1;
      i += 2 + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
    }
  }
  return false;
}

/** Decode, orient, fit and resize an 8-bit gray file in one pass (see isPlainGray8). */
export async function fitGray8File(bytes: Uint8Array, side: number, fit: Fit, kernel: keyof sharp.KernelEnum = 'linear'): Promise<Uint8Array> {
  const { data, info } = await sharp(bytes)
    .rotate()
    .resize(side, side, resizeOptions(fit, kernel))
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected 1 channel from an 8-bit gray image, got ${info.channels}`);
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}
