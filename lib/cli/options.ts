/** Parsing of the CLI's compound options into the library's plain objects; every bad value names its option. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { datasetEntry, defaultDatasetRoot, isDatasetId, DATASET_IDS } from '../data/registry';
import { defineGrid, getGrid } from '../experiments/grids';
import type { DatasetRef, GridSpec } from '../experiments/types';
import { isModelId, MODEL_IDS, type WeightsPaths } from '../models/registry';
import { knownKeys, parseWith, schemaAt } from '../util/schema';

/** 'fig4+fig6' -> both grids; a path to a .json file -> a user-defined grid in the same form (schema-checked). */
export function parseGrids(arg: string): GridSpec[] {
  if (arg.endsWith('.json')) {
    const file = path.resolve(arg);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`${file}: cannot read grid (${(error as Error).message})`, { file });
    }
    try {
      return [defineGrid(parsed as GridSpec)];
    } catch (error) {
      throw new ConfigError(`${file}: ${(error as Error).message}`, { ...(error as ConfigError).details, file });
    }
  }
  return arg.split('+').map((id) => getGrid(id.trim()));
}

/**
 * Keep only the named cells of the grids (`--cells ResNet50K-TL,ResNet50K-RI`), e.g. to train the cells that
 * answer a question first. A run's configuration does not depend on which other cells its grid lists, so runs
 * made this way are the same runs (same hash, same store records) as those of the whole grid. A grid left with
 * no cells is dropped; a name no grid has is an error that lists the names there are.
 */
export function selectCells(grids: GridSpec[], names: string[]): GridSpec[] {
  const wanted = names.map((n) => n.trim()).filter((n) => n !== '');
  if (wanted.length === 0) throw new ConfigError('--cells: give at least one cell name', { field: 'cells' });
  const known = new Set(grids.flatMap((g) => g.cells.map((c) => c.name)));
  const unknown = wanted.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new ConfigError(
      `--cells: ${unknown.map((n) => `'${n}'`).join(', ')} is not a cell of ${grids.map((g) => g.id).join('+')} (cells: ${[...known].join(', ')})`,
      { field: 'cells' },
    );
  }
  return grids
    .map((g) => ({ ...g, cells: g.cells.filter((c) => wanted.includes(c.name)) }))
    .filter((g) => g.cells.length > 0);
}

/** A `--data-option` value read as its option's kind: lists split at commas, numbers, booleans, or JSON. */
function optionValue(schema: z.ZodType, key: string, raw: string): unknown {
  const field = schemaAt(schema, [key]);
  if (raw.startsWith('[') || raw.startsWith('{')) {
    try {
      return JSON.parse(raw);
    } catch (err) {
      throw new ConfigError(`--data-option ${key}: not valid JSON: ${(err as Error).message}`, { field: key });
    }
  }
  if (field instanceof z.ZodArray) return raw.split(',').map((v) => v.trim()).filter(Boolean);
  if (field instanceof z.ZodNumber && raw.trim() !== '' && !Number.isNaN(Number(raw))) return Number(raw);
  if (field instanceof z.ZodBoolean && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw; // the schema names a value of the wrong kind
}

/** The loader folder: --root, else the dataset's default folder (data/...) when it exists. */
function datasetRoot(id: string, root: string | undefined): string | undefined {
  if (root) return path.resolve(root);
  const fallback = isDatasetId(id) ? defaultDatasetRoot(id) : null;
  if (!fallback) return undefined;
  if (fs.existsSync(fallback)) return fallback;
  throw new ConfigError(`--data ${id}: no --root given and its default folder ${fallback} does not exist (rethink-tl prepare ${id} builds it)`, {
    field: 'root',
  });
}

/** `--data <id> --root <folder> --data-option key=value ...` -> a dataset reference with validated loader options. */
export function parseDataset(id: string, root: string | undefined, extra: string[]): DatasetRef {
  if (!isDatasetId(id)) throw new ConfigError(`--data: unknown dataset '${id}' (known: ${DATASET_IDS.join(', ')})`, { field: 'data' });
  const schema = datasetEntry(id).options as z.ZodType;
  const options: Record<string, unknown> = {};
  for (const pair of extra) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--data-option expects key=value, got '${pair}'`, { field: 'data-option' });
    const key = pair.slice(0, eq).trim();
    options[key] = optionValue(schema, key, pair.slice(eq + 1));
  }
  const folder = datasetRoot(id, root);
  if (folder) options.root = folder;
  if (knownKeys(schema).includes('root') && options.root === undefined) {
    throw new ConfigError(`--data ${id} needs --root <folder> (the dataset's prepared folder)`, { field: 'root' });
  }
  return { id, options: parseWith(schema, options, `--data ${id}: --data-option`) as Record<string, unknown> };
}

/** --weights <model id>=<file> (any registry model) | keras-cache=<dir>, repeatable. */
export function parseWeights(pairs: string[]): WeightsPaths {
  const out: WeightsPaths = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--weights expects name=path, got '${pair}'`, { field: 'weights' });
    const key = pair.slice(0, eq);
    const value = path.resolve(pair.slice(eq + 1));
    if (key === 'keras-cache') {
      out.kerasCacheDir = value;
      continue;
    }
    if (!isModelId(key)) throw new ConfigError(`--weights: unknown name '${key}' (${[...MODEL_IDS, 'keras-cache'].join(', ')})`, { field: 'weights', key });
    if (!fs.existsSync(value)) throw new ConfigError(`--weights ${key}: file not found: ${value}`, { file: value });
    out[key] = value;
  }
  return out;
}

/**
 * Worker processes for `run`: more than the machine's cores only makes the workers contend (and multiplies memory),
 * so a larger request is capped at the core count, and the note says so.
 */
export function workerCount(requested: number, cores: number = os.cpus().length): { workers: number; note?: string } {
  if (requested <= cores) return { workers: requested };
  return { workers: cores, note: `--workers ${requested}: this machine has ${cores} core${cores === 1 ? '' : 's'}; using ${cores} worker${cores === 1 ? '' : 's'}` };
}

/** `--out <file>`: its folder must exist (a typo should not create directories or fail with a bare ENOENT). */
export function outputFile(file: string): string {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ConfigError(`--out ${file}: the folder ${dir} does not exist`, { field: 'out', file: abs });
  }
  return abs;
}

export function positiveInt(name: string): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer, got '${value}'`, { field: name });
    return n;
  };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--fractions 0.01,0.05`: training fractions in (0, 1]. */
export function fractionList(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new ConfigError('--fractions: give at least one fraction, e.g. 0.01,0.05', { field: 'fractions' });
  return parts.map((p) => {
    const f = Number(p);
    if (!Number.isFinite(f) || f <= 0 || f > 1) throw new ConfigError(`--fractions: '${p}' is not a fraction in (0, 1]`, { field: 'fractions' });
    return f;
  });
}
