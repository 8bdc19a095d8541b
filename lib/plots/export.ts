/**
 * Static export of plotly specs to SVG and PNG through one headless Chromium session (Debian `chromium` +
 * playwright-core). plotly.js needs a browser DOM to lay out text; kaleido is a Python driver of Chrome anyway.
 * The plotly bundle is injected from node_modules (never a CDN), so export works offline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BackendError } from '../errors';
import { launchChromium, type ChromiumSession } from './browser';
import type { PlotlySpec } from './types';

export type StaticFormat = 'svg' | 'png';

export interface FigureExportJob {
  spec: PlotlySpec;
  /** Output path without extension; `.svg` / `.png` are appended. */
  basePath: string;
  width?: number;
  height?: number;
  formats?: readonly StaticFormat[];
  /** PNG pixel density; default 2 (sharp on high-DPI screens and in print). */
  scale?: number;
}

export interface ExportOptions {
  /** Chromium binary; default $RETHINK_CHROMIUM or /usr/bin/chromium. */
  executablePath?: string;
  /** A running browser to use (and leave running); otherwise one is started and closed. */
  session?: ChromiumSession;
  /** Called after each figure is written. */
  onExported?: (files: string[], job: FigureExportJob) => void;
}

export const DEFAULT_FIGURE_SIZE = { width: 900, height: 450 } as const;

export function plotlyBundlePath(): string {
  return require.resolve('plotly.js-dist');
}

/** Renders every job in one browser session; returns the files written, in job order. */
export async function exportFigures(jobs: readonly FigureExportJob[], options: ExportOptions = {}): Promise<string[][]> {
  if (jobs.length === 0) return [];
  const session =
    options.session ?? (await launchChromium({ executablePath: options.executablePath, why: 'static figure export' }));
  const page = await session.context.newPage();
  try {
    await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
    await page.addScriptTag({ path: plotlyBundlePath() });
    const written: string[][] = [];
    for (const job of jobs) {
      const files: string[] = [];
      const layout = job.spec.layout as { width?: number; height?: number };
      const width = job.width ?? layout.width ?? DEFAULT_FIGURE_SIZE.width;
      const height = job.height ?? layout.height ?? DEFAULT_FIGURE_SIZE.height;
      fs.mkdirSync(path.dirname(job.basePath), { recursive: true });
      for (const format of job.formats ?? (['svg', 'png'] as const)) {
        const dataUrl = await page.evaluate(
          async ({ spec, format, width, height, scale }) => {
            const plotly = (globalThis as unknown as { Plotly: { toImage(fig: unknown, opts: unknown): Promise<string> } }).Plotly;
            return plotly.toImage(
              { data: spec.data, layout: spec.layout, config: { ...(spec.config ?? {}), staticPlot: true } },
              { format, width, height, scale: format === 'png' ? scale : 1 },
            );
          },
          { spec: job.spec, format, width, height, scale: job.scale ?? 2 },
        );
        const file = `${job.basePath}.${format}`;
        fs.writeFileSync(file, decodeDataUrl(dataUrl, file));
        files.push(file);
      }
      written.push(files);
      options.onExported?.(files, job);
    }
    return written;
  } finally {
    await page.close();
    if (!options.session) await session.close();
  }
}

/** One figure, e.g. from a script: writes `<basePath>.svg` and `<basePath>.png`. */
export async function exportFigure(
  spec: PlotlySpec,
  basePath: string,
  options: Omit<FigureExportJob, 'spec' | 'basePath'> & ExportOptions = {},
): Promise<string[]> {
  const [files] = await exportFigures([{ spec, basePath, ...options }], options);
  return files!;
}

/** plotly returns `data:image/svg+xml,<url-encoded>` for SVG and `data:image/png;base64,...` for PNG. */
export function decodeDataUrl(dataUrl: string, target: string): Buffer {
  const comma = dataUrl.indexOf(',');
  if (!dataUrl.startsWith('data:') || comma < 0) {
    throw new BackendError(`plotly returned no image for ${target}`, { file: target });
  }
  const header = dataUrl.slice(5, comma);
  const body = dataUrl.slice(comma + 1);
  return header.endsWith(';base64') ? Buffer.from(body, 'base64') : Buffer.from(decodeURIComponent(body), 'utf8');
}
