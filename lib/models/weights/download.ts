/**
 * Download the paper's ImageNet weights (torchvision IMAGENET1K_V1 DenseNet121 / ResNet50) as safetensors,
 * for users with internet, into a cache like torchvision's hub cache. The files are timm's `*.tv_in1k`
 * re-uploads of the torchvision weights (same keys as torchvision after the legacy DenseNet renaming).
 *
 * Integrity: when a sha256 is pinned below it must match. Every download is also checked structurally by
 * loading it into our architecture (every key and shape must fit, nothing extra), and its sha256 is printed
 * so it can be recorded in results' provenance.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { ConfigError, WeightsError } from '../../errors';
import { densenet121 } from '../densenet';
import { resnet50 } from '../resnet';
import { defaultWeightsCacheDir } from './cache';
import { sha256OfFile } from './sha256';
import { loadTorchvisionWeights } from './torchvision';

export type TorchvisionWeightsName = 'densenet121' | 'resnet50';

interface Published {
  url: string;
  file: string;
  /** null: not pinned in this release (it could not be fetched when this table was written). */
  sha256: string | null;
  torchvisionPth: string;
  build: () => tf.LayersModel;
}

export const TORCHVISION_WEIGHTS: Record<TorchvisionWeightsName, Published> = {
  densenet121: {
    url: 'https://huggingface.co/timm/densenet121.tv_in1k/resolve/main/model.safetensors',
    file: 'densenet121.tv_in1k.safetensors',
    sha256: null,
    torchvisionPth: 'https://download.pytorch.org/models/densenet121-a639ec97.pth',
    build: () => densenet121({ numClasses: 1000 }),
  },
  resnet50: {
    url: 'https://huggingface.co/timm/resnet50.tv_in1k/resolve/main/model.safetensors',
    file: 'resnet50.tv_in1k.safetensors',
    sha256: null,
    torchvisionPth: 'https://download.pytorch.org/models/resnet50-0676ba61.pth',
    build: () => resnet50({ numClasses: 1000 }),
  },
};

export interface DownloadOptions {
  cacheDir?: string;
  /** Progress and status lines (default: stderr). */
  log?: (line: string) => void;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface DownloadedWeights {
  path: string;
  sha256: string;
}

function offlineHelp(name: TorchvisionWeightsName, target: string): string {
  const p = TORCHVISION_WEIGHTS[name];
  return (
    `Place the file at ${target}: download ${p.url} on a machine with internet, or convert torchvision's ` +
    `${p.torchvisionPth} with \`/usr/bin/python3 scripts/models-pth-to-safetensors.py <file.pth> ${target}\`.`
  );
}

/** Check a candidate file fits the architecture (and the pinned sha256, if any); returns its sha256. */
function verify(name: TorchvisionWeightsName, file: string): string {
  const p = TORCHVISION_WEIGHTS[name];
  const sha = sha256OfFile(file);
  if (p.sha256 !== null && sha !== p.sha256) {
    throw new WeightsError(`sha256 mismatch for ${file}: expected ${p.sha256}, got ${sha}`, { file });
  }
  const model = p.build();
  try {
    loadTorchvisionWeights(model, file);
  } finally {
    model.dispose();
  }
  return sha;
}

export async function downloadTorchvisionWeights(
  name: TorchvisionWeightsName,
  opts: DownloadOptions = {},
): Promise<DownloadedWeights> {
  const p = TORCHVISION_WEIGHTS[name];
  if (!p) throw new ConfigError(`unknown torchvision weights '${name}' (densenet121 or resnet50)`, { field: 'name' });
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = path.join(opts.cacheDir ?? defaultWeightsCacheDir(), 'torchvision');
  const target = path.join(dir, p.file);
  if (fs.existsSync(target)) return { path: target, sha256: verify(name, target) };

  const doFetch = opts.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(p.url, { redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new WeightsError(`cannot download ${p.url} (${cause}). ${offlineHelp(name, target)}`, { file: target });
  }
  if (!response.ok || !response.body) {
    throw new WeightsError(`download of ${p.url} failed: HTTP ${response.status}. ${offlineHelp(name, target)}`, {
      file: target,
    });
  }
  fs.mkdirSync(dir, { recursive: true });
  const part = `${target}.part`;
  const total = Number(response.headers.get('content-length') ?? 0);
  const out = fs.openSync(part, 'w');
  let received = 0;
  let nextReport = 0;
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      fs.writeSync(out, value);
      received += value.byteLength;
      const pct = total > 0 ? Math.floor((100 * received) / total) : -1;
      if (pct >= nextReport) {
        log(`${p.file}: ${(received / 1e6).toFixed(1)} MB${total > 0 ? ` of ${(total / 1e6).toFixed(1)} MB (${pct}%)` : ''}`);
        nextReport = pct + 10;
      }
    }
  } finally {
    fs.closeSync(out);
  }
  let sha: string;
  try {
    sha = verify(name, part);
  } catch (e) {
    fs.rmSync(part, { force: true });
    throw e;
  }
  fs.renameSync(part, target);
  log(`${p.file}: verified (fits ${name}), sha256 ${sha}, cached at ${target}`);
  return { path: target, sha256: sha };
}
