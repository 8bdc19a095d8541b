import { access, constants } from 'node:fs/promises';
import sharp from 'sharp';

/**
 * How hard a loader checks image files up front: 'exists' (default) stats every file; 'decode' also reads each
 * header with sharp, catching truncated or non-image files before training starts; 'none' trusts the CSV.
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
    try {
      const meta = await sharp(file).metadata();
      if (!meta.width || !meta.height) return `image has no size: ${file}`;
    } catch (err) {
      return `image cannot be decoded (${(err as Error).message}): ${file}`;
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
