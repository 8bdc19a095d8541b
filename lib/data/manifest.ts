import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { DataError } from '../errors';
import { sha256Hex } from '../util/hash';
import { parseWith } from '../util/schema';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');
const md5 = z.string().regex(/^[0-9a-f]{32}$/, 'a lowercase hex md5');

/** A file fetched by the prepare step; the checksum pins its exact bytes. */
const downloadFile = z.object({
  path: z.string().min(1),
  url: z.string().url(),
  sha256: sha256.optional(),
  md5: md5.optional(),
}).refine((f) => f.sha256 !== undefined || f.md5 !== undefined, { message: 'each file needs sha256 or md5' });

const obtain = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('automatic'),
    /** The upstream repository and the commit every URL is pinned to. */
    source: z.object({
      repository: z.string().url(),
      commit: z.string().regex(/^[0-9a-f]{40}$/, 'a full 40-hex commit'),
      /** Raw file URL prefix; contains the commit, so the bytes cannot drift. */
      rawBaseUrl: z.string().url(),
    }),
    /** A committed CSV (relative to data-manifests/) listing every source file, with its sha256 column. */
    fileList: z.object({
      path: z.string().min(1),
      sha256,
      sourcePathColumn: z.string(),
      sha256Column: z.string(),
      outputPathColumn: z.string(),
    }),
    command: z.string().optional(),
  }),
  z.object({
    method: z.literal('manual'),
    url: z.string().url(),
    steps: z.array(z.string()).min(1),
    files: z.array(downloadFile).optional(),
  }),
  z.object({ method: z.literal('generated'), description: z.string() }),
  z.object({ method: z.literal('user-supplied'), description: z.string() }),
]);

const labelColumn = z.object({ name: z.string().min(1), meaning: z.string().min(1) });

export const manifestSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  title: z.string().min(1),
  /** True for generated data: every figure built from it must say so. */
  synthetic: z.boolean().default(false),
  citation: z.string().min(1),
  license: z.string().min(1),
  obtain,
  layout: z.object({
    description: z.string().min(1),
    files: z.array(z.object({ path: z.string(), description: z.string() })).default([]),
  }),
  labels: z.object({
    columns: z.array(labelColumn).min(1),
    /** Labels used when the caller does not choose. */
    default: z.array(z.string()).min(1),
    /** Cell values and what they mean, e.g. {"-1.0": "uncertain"}. */
    values: z.record(z.string(), z.string()),
  }),
  labelPolicy: z.object({
    default: z.string(),
    options: z.record(z.string(), z.string()),
  }),
  viewFilter: z
    .object({ column: z.string(), keep: z.array(z.string()).min(1), defaultOn: z.boolean(), note: z.string().optional() })
    .nullable(),
  patientIdColumn: z.string().nullable(),
  /** Where a column (or the path) names the item's image, relative to the data root. */
  imagePathColumn: z.string().nullable(),
  splitRecipe: z.object({
    description: z.string().min(1),
    sourceSplitColumn: z.string().nullable().default(null),
    defaultRatios: z.object({ train: z.number(), val: z.number(), test: z.number() }).optional(),
    stratifyLabel: z.string().nullable().default(null),
    groupBy: z.enum(['patient', 'item']).default('patient'),
  }),
  notes: z.array(z.string()).default([]),
});

export type DatasetManifest = z.infer<typeof manifestSchema>;

/** The folder of committed manifests (repo root / data-manifests), found from this file's location. */
export function manifestsDir(): string {
  return path.resolve(__dirname, '../../data-manifests');
}

export interface LoadedManifest {
  manifest: DatasetManifest;
  file: string;
  /** sha256 of the manifest file's bytes: part of every dataset's provenance. */
  sha256: string;
}

/**
 * Loads and validates a manifest by id (a file in data-manifests/) or by path. Schema errors name the file and
 * the JSON path of each bad field.
 */
export function loadManifest(idOrPath: string): LoadedManifest {
  const file = idOrPath.endsWith('.json') || idOrPath.includes('/') || idOrPath.includes(path.sep)
    ? path.resolve(idOrPath)
    : path.join(manifestsDir(), `${idOrPath}.json`);
  if (!existsSync(file)) {
    throw new DataError(`${file}: no such manifest (known ids: ${listManifestIds().join(', ')})`, { file, key: idOrPath });
  }
  const raw = readFileSync(file);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new DataError(`${file}: invalid JSON (${(err as Error).message})`, { file });
  }
  const manifest = parseWith(manifestSchema, json, `${file}: manifest does not match the schema`, (message, details) => new DataError(message, { ...details, file }));
  return { manifest, file, sha256: sha256Hex(raw) };
}

export function listManifestIds(): string[] {
  const dir = manifestsDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}
