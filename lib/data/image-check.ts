import { access, constants } from 'node:fs/promises';
import { decodeAndFit } from './image/pipeline';

/**
 * How hard a loader checks image files up front: 'exists' (default) checks every file can be read; 'decode'
 * also decodes each one completely with the decoder training uses, catching truncated or non-image files
 * before training starts; 'none' trusts the CSV (and then the images are not hashed: see Dataset.imagesHash).
 */
export type ImageCheck = 'none' | 'exists' | 'decode';

/** Returns undefined when the file passes, else the reason. */
export async function checkImageFile(file: string, level: ImageCheck): Promise<string | undefined> {
  if (level === 'none') return undefined;
  try {
    await access(file, constants.R_OK);
  } catch {
    return `image file is missing or unreadable: ${file}`;
  }
  if (level === 'decode') {
    // A header read (sharp's metadata) passes a truncated file; only decoding every pixel row catches it. The
    // tiny output size keeps the resize cost negligible next to the decode.
    try {
      await decodeAndFit(file, 8, 'stretch');
    } catch (err) {
      const message = (err as Error).message;
      // The decoder's errors start with the file; the caller puts the CSV location first, so the file goes last.
      return message.startsWith(`${file}: `) ? `${message.slice(file.length + 2)}: ${file}` : `image cannot be decoded (${message}): ${file}`;
    }
  }
  return undefined;
}

/** Runs checks with bounded concurrency and returns the reasons by index. */
export async function checkImageFiles(files: string[], level: ImageCheck, concurrency = 16): Promise<Array<string | undefined>> {
  const out: Array<string | undefined> = new Array(files.length);
  if (level === 'none') return out;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      out[i] = await checkImageFile(files[i]!, level);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return out;
}
