/** Parsing of the CLI's compound options into the library's plain objects. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors';
import { DATASET_IDS } from '../data/index';
import { defineGrid, getGrid } from '../experiments/grids';
import type { DatasetRef, GridSpec, WeightsPaths } from '../experiments/types';

/** 'fig4+fig6' -> both grids; a path to a .json file -> a user-defined grid in the same form. */
export function parseGrids(arg: string): GridSpec[] {
  if (arg.endsWith('.json')) {
    const file = path.resolve(arg);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`${file}: cannot read grid (${(error as Error).message})`, { file });
    }
    return [defineGrid(parsed as GridSpec)];
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

/** The shared data folder of this project's development machine, if present (RETHINK_SHARED or ../shared). */
export function sharedDir(): string | null {
  const candidates = [process.env.RETHINK_SHARED, path.resolve(__dirname, '..', '..', '..', 'shared')].filter((p): p is string => !!p);
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

/** Loader options that are lists: a single value still means a one-element list. */
const LIST_OPTIONS = new Set(['labels', 'labelColumns']);

function parseOptionValue(key: string, raw: string): unknown {
  if (raw.startsWith('[') || raw.startsWith('{')) {
    try {
      return JSON.parse(raw);
    } catch (err) {
      throw new ConfigError(`--data-option ${key}: not valid JSON: ${(err as Error).message}`, { field: key });
    }
  }
  if (LIST_OPTIONS.has(key) || raw.includes(',')) return raw.split(',').map((v) => v.trim()).filter(Boolean);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw !== '' && !Number.isNaN(Number(raw))) return Number(raw);
  return raw;
}

export function parseDataset(id: string, root: string | undefined, extra: string[]): DatasetRef {
  if (!(DATASET_IDS as readonly string[]).includes(id)) {
    throw new ConfigError(`--data: unknown dataset '${id}' (known: ${DATASET_IDS.join(', ')})`, { field: 'data' });
  }
  const options: Record<string, unknown> = {};
  for (const pair of extra) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--data-option expects key=value, got '${pair}'`, { field: 'data-option' });
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    options[key] = parseOptionValue(key, raw);
  }
  let resolvedRoot = root;
  if (!resolvedRoot && id === 'covid-cohen') {
    const shared = sharedDir();
    if (shared && fs.existsSync(path.join(shared, 'data', 'covid-chestxray-cohen-256'))) resolvedRoot = path.join(shared, 'data', 'covid-chestxray-cohen-256');
  }
  if (resolvedRoot) options.root = path.resolve(resolvedRoot);
  if (id !== 'synthetic-cxr' && options.root === undefined && options.path === undefined) {
    throw new ConfigError(`--data ${id} needs --root <folder> (the dataset's prepared folder)`, { field: 'root' });
  }
  return { id, options };
}

/** --weights densenet121=<file> | resnet50=<file> | cbr-small=<file> | keras-cache=<dir>, repeatable. */
export function parseWeights(pairs: string[]): WeightsPaths {
  const out: WeightsPaths = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    const value = path.resolve(pair.slice(eq + 1));
    if (eq <= 0) throw new ConfigError(`--weights expects name=path, got '${pair}'`, { field: 'weights' });
    if (key === 'densenet121' || key === 'resnet50') out[key] = value;
    else if (key === 'keras-cache') out.kerasCacheDir = value;
    else if (/^cbr-(large-t|large-w|small|tiny)$/.test(key)) out.cbr = { ...out.cbr, [key.slice(4)]: value };
    else throw new ConfigError(`--weights: unknown name '${key}' (densenet121, resnet50, cbr-large-t|large-w|small|tiny, keras-cache)`, { field: 'weights' });
    if (key !== 'keras-cache' && !fs.existsSync(value)) throw new ConfigError(`--weights ${key}: file not found: ${value}`, { file: value });
  }
  return out;
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
