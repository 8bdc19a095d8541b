import { ConfigError } from '../errors';
import { type ChexpertOptions, loadChexpert } from './loaders/chexpert';
import { type CovidCohenOptions, loadCovidCohen } from './loaders/covid-cohen';
import { type CsvDatasetOptions, loadCsvDataset } from './loaders/csv-dataset';
import { type KermanyPneumoniaOptions, loadKermanyPneumonia } from './loaders/kermany-pneumonia';
import { loadMedmnist, type MedmnistOptions } from './loaders/medmnist';
import { generateSyntheticCxr, type SyntheticCxrOptions } from './loaders/synthetic';
import type { Dataset } from './types';

/** Options per dataset id; `loadDataset` is typed so each id only accepts its own options. */
export interface DatasetOptionsById {
  'covid-cohen': CovidCohenOptions;
  'kermany-pneumonia': KermanyPneumoniaOptions;
  'chexpert-v1.0-small': ChexpertOptions;
  medmnist: MedmnistOptions;
  csv: CsvDatasetOptions;
  'synthetic-cxr': SyntheticCxrOptions;
}

export type DatasetId = keyof DatasetOptionsById;

export const DATASET_IDS: readonly DatasetId[] = ['covid-cohen', 'kermany-pneumonia', 'chexpert-v1.0-small', 'medmnist', 'csv', 'synthetic-cxr'];

/**
 * One entry point for every dataset; the result has the same shape whichever loader produced it, so training
 * code never knows which dataset it has.
 */
export async function loadDataset<K extends DatasetId>(id: K, options: DatasetOptionsById[K]): Promise<Dataset> {
  switch (id) {
    case 'covid-cohen':
      return loadCovidCohen(options as CovidCohenOptions);
    case 'kermany-pneumonia':
      return loadKermanyPneumonia(options as KermanyPneumoniaOptions);
    case 'chexpert-v1.0-small':
      return loadChexpert(options as ChexpertOptions);
    case 'medmnist':
      return loadMedmnist(options as MedmnistOptions);
    case 'csv':
      return loadCsvDataset(options as CsvDatasetOptions);
    case 'synthetic-cxr':
      return generateSyntheticCxr(options as SyntheticCxrOptions);
    default:
      throw new ConfigError(`loadDataset: unknown dataset id "${String(id)}" (known: ${DATASET_IDS.join(', ')})`, { key: String(id) });
  }
}
