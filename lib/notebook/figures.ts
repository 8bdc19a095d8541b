/**
 * `showFigure(spec, {name})`: draws a plotly figure inline in a tslab notebook and records its spec so the
 * runner (scripts/reproduce.ts) can render every figure of a run to figures/<name>.svg and .png in one
 * headless-browser session after the notebooks finished.
 *
 * Where specs go: $RETHINK_FIGURE_SPECS_DIR (set by the runner per notebook), else
 * <repo>/out/figure-specs/interactive (render those with `npx tsx scripts/notebook-export-figures.ts`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors';
import { DEFAULT_FIGURE_SIZE } from '../plots/export';
import { figureHtml, plotlyLoaderHtml } from '../plots/inline-html';
import type { PlotlySpec } from '../plots/types';
import { newDisplayId, tslabSink, type DisplaySink } from './display';
import { findRepoRoot } from './kernel';

export const FIGURE_SPECS_ENV = 'RETHINK_FIGURE_SPECS_DIR';
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

export interface ShowFigureOptions {
  /** File name of the static copies (figures/<name>.svg|png): letters, digits, '.', '_', '-'. */
  name: string;
  width?: number;
  height?: number;
}

/** What `showFigure` records for the exporter; one JSON file per figure. */
export interface FigureRecord {
  name: string;
  width: number;
  height: number;
  spec: PlotlySpec;
}

export interface FigureShower {
  show(spec: PlotlySpec, options: ShowFigureOptions): FigureRecord;
  /** Sends the plotly bundle now (otherwise the first `show` does). */
  loadPlotly(): void;
}

export interface FigureShowerOptions {
  sink?: DisplaySink;
  /** Where to record specs; default from the environment (see module doc). `null` disables recording. */
  specsDir?: string | null;
  /** Bundle HTML, for tests (the real one is ~4.8 MB). */
  loaderHtml?: () => string;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function defaultSpecsDir(): string {
  return process.env[FIGURE_SPECS_ENV] || path.join(findRepoRoot(), 'out', 'figure-specs', 'interactive');
}

export function createFigureShower(options: FigureShowerOptions = {}): FigureShower {
  let loaded = false;
  const sink = (): DisplaySink => options.sink ?? tslabSink();
  const loadPlotly = (): void => {
    sink().show({
      'text/html': (options.loaderHtml ?? plotlyLoaderHtml)(),
      'text/plain': '(plotly.js loaded for the figures below)',
    });
    loaded = true;
  };
  return {
    loadPlotly,
    show(spec, showOptions) {
      const { name } = showOptions;
      if (!NAME_PATTERN.test(name)) {
        throw new ConfigError(`showFigure: figure name "${name}" must match ${NAME_PATTERN}`, { field: 'name' });
      }
      const layout = spec.layout as { width?: number; height?: number };
      const record: FigureRecord = {
        name,
        width: showOptions.width ?? layout.width ?? DEFAULT_FIGURE_SIZE.width,
        height: showOptions.height ?? layout.height ?? DEFAULT_FIGURE_SIZE.height,
        spec,
      };
      const specsDir = options.specsDir === undefined ? defaultSpecsDir() : options.specsDir;
      if (specsDir !== null) writeFigureRecord(specsDir, record);
      if (!loaded) loadPlotly();
      sink().show({
        'text/html': figureHtml(spec, { id: newDisplayId(`fig-${name}`), name, width: record.width, height: record.height }),
        [PLOTLY_MIME]: { data: spec.data, layout: { ...spec.layout, height: record.height } },
        'text/plain': `Figure "${name}" (plotly). Static copies: figures/${name}.svg, figures/${name}.png`,
      });
      return record;
    },
  };
}

export function writeFigureRecord(specsDir: string, record: FigureRecord): string {
  fs.mkdirSync(specsDir, { recursive: true });
  const file = path.join(specsDir, `${record.name}.json`);
  fs.writeFileSync(file, JSON.stringify(record));
  return file;
}

export function readFigureRecords(specsDir: string): FigureRecord[] {
  if (!fs.existsSync(specsDir)) return [];
  return fs
    .readdirSync(specsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = path.join(specsDir, f);
      let record: FigureRecord;
      try {
        record = JSON.parse(fs.readFileSync(file, 'utf8')) as FigureRecord;
      } catch (err) {
        throw new ConfigError(`figure spec ${file} is not valid JSON: ${(err as Error).message}`, { file });
      }
      if (typeof record.name !== 'string' || !record.spec || !Array.isArray(record.spec.data)) {
        throw new ConfigError(`figure spec ${file} lacks name/spec.data`, { file });
      }
      return record;
    });
}

let defaultShower: FigureShower | undefined;

/**
 * Draws `spec` inline (plotly bundle sent once per kernel) and records it for static export. Returns nothing on
 * purpose: tslab prints the value of a cell's last expression, and a record returned here would appear under the
 * chart as a raw object dump.
 */
export function showFigure(spec: PlotlySpec, options: ShowFigureOptions): void {
  defaultShower ??= createFigureShower();
  defaultShower.show(spec, options);
}

/** Sends the plotly bundle again, e.g. after the output that carried it was cleared. */
export function loadPlotlyInline(): void {
  defaultShower ??= createFigureShower();
  defaultShower.loadPlotly();
}
