/**
 * DATASETS: the loader registry, keyed by manifest id (data-manifests/<id>.json). A dataset is a loader (its
 * options schema beside it), a manifest and one line here; `loadDataset` validates the options (unknown keys and
 * bad values are errors naming the key) and returns the one Dataset shape every consumer reads.
 */
import * as path from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors';
import { parseWith } from '../util/schema';
import { chexpertOptions, loadChexpert } from './loaders/chexpert';
import { covidCohenOptions, loadCovidCohen } from './loaders/covid-cohen';
import { csvDatasetOptions, loadCsvDataset } from './loaders/csv-dataset';
import { kermanyPneumoniaOptions, loadKermanyPneumonia } from './loaders/kermany-pneumonia';
import { loadMedmnist, medmnistOptions } from './loaders/medmnist';
import { generateSyntheticCxr, syntheticCxrOptions } from './loaders/synthetic';
import { withImageIdentity } from './identity';
import { prepareCovidCohen } from './prepare-covid';
import { prepareKermanyPneumonia } from './prepare-kermany';
import type { Dataset } from './types';

/** What `rethink-tl prepare <dataset>` asks a dataset's preparer for. */
export interface PrepareRequest {
  /** The folder to build. */
  out: string;
  /** A local copy of the pinned source files, instead of downloading them (datasets that support it). */
  from?: string;
  /** A local copy of the original upstream release, processed as the pinned copy was (datasets that support it). */
  fromRelease?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface DatasetEntry<Options> {
  /** The loader's options, strict (unknown keys are errors). */
  options: z.ZodType<Options, unknown>;
  load(options: Options): Promise<Dataset> | Dataset;
  /** The folder under the data directory where the dataset is prepared by default (`--root` may say otherwise). */
  defaultFolder?: string;
  /** Builds the prepared folder from public sources, checking every file; resolves to a one-line summary. */
  prepare?(request: PrepareRequest): Promise<string>;
}

function refuseLocalSources(id: string, request: PrepareRequest): void {
  if (request.from !== undefined || request.fromRelease !== undefined) {
    throw new ConfigError(`prepare ${id}: --from and --from-release are not supported for this dataset`, { field: 'from' });
  }
}

async function prepareCovid(request: PrepareRequest): Promise<string> {
  refuseLocalSources('covid-cohen', request);
  const r = await prepareCovidCohen({ out: request.out, ...(request.onProgress ? { onProgress: request.onProgress } : {}) });
  return `${r.written} images in ${r.out} (${r.downloaded} downloaded)`;
}

async function prepareKermany(request: PrepareRequest): Promise<string> {
  const r = await prepareKermanyPneumonia(request);
  const unlisted = r.unlisted.length === 0 ? '' :
    `; ${r.unlisted.length} release images not in the pinned list were left out: ${r.unlisted.slice(0, 5).join(', ')}${r.unlisted.length > 5 ? ', ...' : ''}`;
  return `${r.written} images in ${r.out} (${r.downloaded} downloaded, ${r.reused} already there)${unlisted}`;
}

const entry = <Options>(e: DatasetEntry<Options>): DatasetEntry<Options> => e;

export const DATASETS = {
  'covid-cohen': entry({ options: covidCohenOptions, load: loadCovidCohen, defaultFolder: 'covid-chestxray-cohen-256', prepare: prepareCovid }),
  'kermany-pneumonia': entry({ options: kermanyPneumoniaOptions, load: loadKermanyPneumonia, defaultFolder: 'kermany-pneumonia-224', prepare: prepareKermany }),
  'chexpert-v1.0-small': entry({ options: chexpertOptions, load: loadChexpert }),
  medmnist: entry({ options: medmnistOptions, load: loadMedmnist }),
  csv: entry({ options: csvDatasetOptions, load: loadCsvDataset }),
  'synthetic-cxr': entry({ options: syntheticCxrOptions, load: generateSyntheticCxr }),
};

export type DatasetId = keyof typeof DATASETS;
export const DATASET_IDS = Object.keys(DATASETS) as DatasetId[];
/** The options `loadDataset(id, ...)` takes for each id. */
export type DatasetOptions<K extends DatasetId> = (typeof DATASETS)[K] extends DatasetEntry<infer O> ? O : never;

export function isDatasetId(id: string): id is DatasetId {
  return Object.prototype.hasOwnProperty.call(DATASETS, id);
}

/** The registry record of `id`; an unknown id is a ConfigError listing the known ones. */
export function datasetEntry(id: string): DatasetEntry<unknown> {
  if (!isDatasetId(id)) throw new ConfigError(`unknown dataset '${id}' (known: ${DATASET_IDS.join(', ')})`, { field: 'dataset', key: id });
  return DATASETS[id] as DatasetEntry<unknown>;
}

/** Checks a dataset's options against its loader's schema, naming any unknown key or bad value. */
export function validateDatasetOptions(id: string, options: unknown): unknown {
  return parseWith(datasetEntry(id).options, options ?? {}, `${id} options`);
}

/**
 * One entry point for every dataset; the result has the same shape whichever loader produced it, so training
 * code never knows which dataset it has.
 */
export async function loadDataset<K extends DatasetId>(id: K, options: DatasetOptions<K>): Promise<Dataset> {
  const e = datasetEntry(id);
  return withImageIdentity(await e.load(validateDatasetOptions(id, options)));
}

/** Where prepared datasets live by default: `$RETHINK_DATA_DIR`, else the repository's `data/` folder. */
export function defaultDataDir(): string {
  return process.env.RETHINK_DATA_DIR ? path.resolve(process.env.RETHINK_DATA_DIR) : path.resolve(__dirname, '..', '..', 'data');
}

/** The default folder of a dataset that has one (e.g. covid-cohen: data/covid-chestxray-cohen-256), else null. */
export function defaultDatasetRoot(id: DatasetId): string | null {
  const folder = DATASETS[id].defaultFolder;
  return folder ? path.join(defaultDataDir(), folder) : null;
}
