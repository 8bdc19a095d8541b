/**
 * Each schema's shape against the interface it validates, under the project's strict tsc (`npm run typecheck`):
 * lib/ cannot carry these checks itself because tslab compiles it without strictNullChecks (see typedSchema).
 * Assigning a shape to `z.ZodType<Interface, unknown>` fails to compile when a field is missing, misspelled, of
 * another type, or optional in the schema but required in the interface.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { chexpertOptionsShape, type ChexpertOptions } from '../lib/data/loaders/chexpert';
import { covidCohenOptionsShape, type CovidCohenOptions } from '../lib/data/loaders/covid-cohen';
import { csvDatasetOptionsShape, type CsvDatasetOptions } from '../lib/data/loaders/csv-dataset';
import { medmnistOptionsShape, type MedmnistOptions } from '../lib/data/loaders/medmnist';
import { syntheticCxrOptionsShape, type SyntheticCxrOptions } from '../lib/data/loaders/synthetic';
import { gridSchemaShape, profileSchemaShape } from '../lib/experiments/schemas';
import type { GridSpec, ProfileSpec } from '../lib/experiments/types';

const checked: Array<z.ZodType<unknown, unknown>> = [
  gridSchemaShape satisfies z.ZodType<GridSpec, unknown>,
  profileSchemaShape satisfies z.ZodType<ProfileSpec, unknown>,
  covidCohenOptionsShape satisfies z.ZodType<CovidCohenOptions, unknown>,
  chexpertOptionsShape satisfies z.ZodType<ChexpertOptions, unknown>,
  csvDatasetOptionsShape satisfies z.ZodType<CsvDatasetOptions, unknown>,
  medmnistOptionsShape satisfies z.ZodType<MedmnistOptions, unknown>,
  syntheticCxrOptionsShape satisfies z.ZodType<SyntheticCxrOptions, unknown>,
];

describe('schema shapes', () => {
  it('are strict objects (unknown keys are errors)', () => {
    for (const schema of checked) expect(schema.safeParse({ __unknown__: 1 }).success).toBe(false);
  });
});
