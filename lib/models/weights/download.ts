/**
 * Published PyTorch weight files this project fetches and checks, and torchvision's ImageNet weights for the
 * paper's models as torchvision publishes them: the IMAGENET1K_V1 `.pth` files at download.pytorch.org, each
 * named with the first 8 hex digits of its sha256, which is checked here as torch.hub checks it (files whose
 * names carry no hash, such as TorchXRayVision's, pin their whole sha256 and size instead: xrv.ts). Cached like
 * torch.hub (`<weights cache>/hub/checkpoints/<file>`); a copy in the publishing library's own cache (torch's
 * `$TORCH_HOME/hub/checkpoints`, TorchXRayVision's `~/.torchxrayvision/models_data`) is used where one exists.
 * Every file is also checked structurally by loading it into our architecture (every key and shape must fit,
 * nothing extra), and its full sha256 is returned for results' provenance.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { ConfigError, WeightsError } from '../../errors';
import { densenet121 } from '../densenet';
import { resnet50 } from '../resnet';
import { hubCheckpointsDir, torchHubCheckpointsDir } from './cache';
import { hashPrefixOf, sha256OfFile } from './sha256';
import { loadTorchvisionWeights } from './torchvision';

export type TorchvisionWeightsName = 'densenet121' | 'resnet50';

const TORCH_HUB_CACHE = { name: "torch's own hub cache", dir: torchHubCheckpointsDir };

/** A published weights file this project can fetch and check. */
export interface PublishedWeights {
  /** Our name for it, as `rethink-tl weights <name>` and `--weights <name>=` take it. */
  name: string;
  /** The publisher's name for the weights. */
  title: string;
  url: string;
  /** The cached file's name (the URL's); a `-<8+ hex>` part before the extension is a sha256 prefix, checked. */
  file: string;
  /** The whole sha256, where it is pinned (files whose names carry no hash prefix). */
  sha256?: string;
  /** The file's size in bytes, where it is pinned (checked first: an incomplete download says so). */
  bytes?: number;
  /** The publishing library's own download cache, where its users already have the file. */
  libraryCache: { name: string; dir: () => string };
  /** The architecture the file must fit exactly. */
  build: () => tf.LayersModel;
}

/** From torchvision 0.14's `DenseNet121_Weights` / `ResNet50_Weights` (torchvision/models/{densenet,resnet}.py). */
export const TORCHVISION_WEIGHTS: Record<TorchvisionWeightsName, PublishedWeights> = {
  densenet121: {
    name: 'densenet121',
    title: 'torchvision DenseNet121_Weights.IMAGENET1K_V1',
    url: 'https://download.pytorch.org/models/densenet121-a639ec97.pth',
    file: 'densenet121-a639ec97.pth',
    libraryCache: TORCH_HUB_CACHE,
    build: () => densenet121({ numClasses: 1000 }),
  },
  resnet50: {
    name: 'resnet50',
    title: 'torchvision ResNet50_Weights.IMAGENET1K_V1',
    url: 'https://download.pytorch.org/models/resnet50-0676ba61.pth',
    file: 'resnet50-0676ba61.pth',
    libraryCache: TORCH_HUB_CACHE,
    build: () => resnet50({ numClasses: 1000 }),
  },
};

export interface DownloadOptions {
  /** Weights cache (default `defaultWeightsCacheDir()`); the file goes to `<cacheDir>/hub/checkpoints`. */
  cacheDir?: string;
  /** Also look in the publishing library's own cache (torch's hub cache, TorchXRayVision's; default true). */
  useLibraryCache?: boolean;
  /** Progress and status lines (default: stderr). */
  log?: (line: string) => void;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface DownloadedWeights {
  path: string;
  sha256: string;
}

function published(name: TorchvisionWeightsName): PublishedWeights {
  const p = TORCHVISION_WEIGHTS[name];
  if (!p) throw new ConfigError(`unknown torchvision weights '${String(name)}' (densenet121 or resnet50)`, { field: 'name' });
  return p;
}

type CacheOptions = Pick<DownloadOptions, 'cacheDir' | 'useLibraryCache'>;

/** Where a published file already is: our cache, then its library's; null when neither has it. */
export function findWeights(p: PublishedWeights, opts: CacheOptions = {}): string | null {
  const dirs = [hubCheckpointsDir(opts.cacheDir), ...(opts.useLibraryCache === false ? [] : [p.libraryCache.dir()])];
  return dirs.map((d) => path.join(d, p.file)).find((f) => fs.existsSync(f)) ?? null;
}

export function findTorchvisionWeights(name: TorchvisionWeightsName, opts: CacheOptions = {}): string | null {
  return findWeights(published(name), opts);
}

function offlineHelp(p: PublishedWeights, dir: string): string {
  return (
    `Without internet here: download ${p.url} on a machine that has it and place the file, named ${p.file}, in ` +
    `${dir} (or in ${p.libraryCache.name} ${p.libraryCache.dir()}), or pass --weights ${p.name}=<path to the file>.`
  );
}

/** The pinned size, the sha256 prefix in the published name (or the pinned sha256), then the fit to the architecture. */
function verify(p: PublishedWeights, file: string): string {
  const size = fs.statSync(file).size;
  if (p.bytes !== undefined && size !== p.bytes) {
    throw new WeightsError(
      `${file}: ${size} bytes, but the published ${p.file} has ${p.bytes}: an incomplete download or another file`,
      { file, expected: p.bytes, actual: size },
    );
  }
  const sha = sha256OfFile(file);
  const expected = p.sha256 ?? hashPrefixOf(p.file);
  if (expected !== null && !sha.startsWith(expected)) {
    throw new WeightsError(
      `${file}: sha256 ${sha} does not start with ${expected}, ${p.sha256 ? 'the pinned sha256' : `the hash prefix of ${p.file} (torch.hub's check)`}: ` +
        'the file is damaged or is not the published one',
      { file, expected, actual: sha },
    );
  }
  const model = p.build();
  try {
    loadTorchvisionWeights(model, file, { verifyHashPrefix: false });
  } finally {
    model.dispose();
  }
  return sha;
}

/** Stream the response into `part` (appending when the server resumed a range), logging every 10%. */
async function streamTo(response: Response, part: string, resumedFrom: number, label: string, log: (l: string) => void): Promise<void> {
  const total = resumedFrom + Number(response.headers.get('content-length') ?? 0);
  const out = fs.openSync(part, resumedFrom > 0 ? 'a' : 'w');
  let received = resumedFrom;
  let nextReport = 0;
  try {
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      fs.writeSync(out, value);
      received += value.byteLength;
      const pct = total > resumedFrom ? Math.floor((100 * received) / total) : -1;
      if (pct >= nextReport) {
        log(`${label}: ${(received / 1e6).toFixed(1)} MB${pct >= 0 ? ` of ${(total / 1e6).toFixed(1)} MB (${pct}%)` : ''}`);
        nextReport = pct + 10;
      }
    }
  } finally {
    fs.closeSync(out);
  }
}

async function request(p: PublishedWeights, resumeFrom: number, dir: string, opts: DownloadOptions): Promise<Response> {
  let response: Response;
  try {
    const headers: Record<string, string> = resumeFrom > 0 ? { range: `bytes=${resumeFrom}-` } : {};
    response = await (opts.fetch ?? fetch)(p.url, { redirect: 'follow', headers });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new WeightsError(`cannot download ${p.url} (${cause}). ${offlineHelp(p, dir)}`, { file: path.join(dir, p.file) });
  }
  if (!response.ok || !response.body) {
    throw new WeightsError(`download of ${p.url} failed: HTTP ${response.status}. ${offlineHelp(p, dir)}`, {
      file: path.join(dir, p.file),
    });
  }
  return response;
}

/**
 * The file from the cache (ours or torch's), else downloaded into ours; verified either way. An interrupted
 * download leaves `<file>.part`, which the next call resumes with an HTTP range request.
 */
export async function downloadWeights(p: PublishedWeights, opts: DownloadOptions = {}): Promise<DownloadedWeights> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const existing = findWeights(p, opts);
  if (existing) return { path: existing, sha256: verify(p, existing) };

  const dir = hubCheckpointsDir(opts.cacheDir);
  const target = path.join(dir, p.file);
  const part = `${target}.part`;
  const partSize = fs.existsSync(part) ? fs.statSync(part).size : 0;
  const response = await request(p, partSize, dir, opts);
  fs.mkdirSync(dir, { recursive: true });
  const resumed = response.status === 206 ? partSize : 0;
  if (resumed > 0) log(`${p.file}: resuming at ${(resumed / 1e6).toFixed(1)} MB`);
  await streamTo(response, part, resumed, p.file, log);
  let sha: string;
  try {
    sha = verify(p, part);
  } catch (e) {
    fs.rmSync(part, { force: true });
    throw e;
  }
  fs.renameSync(part, target);
  log(`${p.file}: verified (sha256 ${sha}, fits ${p.name}), cached at ${target}`);
  return { path: target, sha256: sha };
}

export function downloadTorchvisionWeights(name: TorchvisionWeightsName, opts: DownloadOptions = {}): Promise<DownloadedWeights> {
  return Promise.resolve().then(() => downloadWeights(published(name), opts));
}
