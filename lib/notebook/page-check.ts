/**
 * The rendered-page check behind `npm run reproduce` and `npm test`: executed notebooks -> HTML (nbconvert, as a
 * reader would share them) -> headless Chromium at 1280 px wide, offline -> measurements (page-probe.js) ->
 * findings (render-check.ts, figure-check.ts), plus a full-page screenshot per notebook for a reviewer. The static
 * SVG exports get the same label check. One browser session serves every page and figure.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { ConfigError } from '../errors';
import type { ChromiumSession } from '../plots/browser';
import { escapeHtml } from '../plots/roc-pr';
import type { PlotlySpec } from '../plots/types';
import { SYSTEM_PYTHON } from './kernel';
import { hasTag, type NotebookJson } from './notebook-json';
import { INJECTED_TAG } from './parameters';
import type { PathContext } from './page-content';
import { checkFigure, type AxisLayout, type FigureSnapshot } from './figure-check';
import type { Finding } from './findings';
import { checkPage, type PageSnapshot } from './render-check';

/** nbconvert turns cell tags into `celltag_<tag>` classes: this one carries the cell's number to the page. */
export const CELL_TAG_PREFIX = 'rethink-cell-';
const PROBE_PATH = path.join(__dirname, 'page-probe.js');

/**
 * A copy of `nb` whose cells carry their number in the committed notebook (1-based, the runner's injected
 * parameters cell not counted) as a tag, so findings name the cell a reader would count to.
 */
export function tagCellNumbers(nb: NotebookJson): NotebookJson {
  let n = 0;
  const cells = nb.cells.map((cell) => {
    const id = hasTag(cell, INJECTED_TAG) ? 'injected' : String(++n);
    const tags = [...(cell.metadata?.tags ?? []).filter((t) => !t.startsWith(CELL_TAG_PREFIX)), `${CELL_TAG_PREFIX}${id}`];
    return { ...cell, metadata: { ...cell.metadata, tags } };
  });
  return { ...nb, cells };
}

/**
 * Renders executed notebooks to `<outDir>/<name>.html` with nbconvert's lab template (Debian
 * `jupyter-nbconvert`), in one process. Returns the HTML paths by name.
 */
export function renderNotebooksHtml(
  notebooks: ReadonlyArray<{ name: string; executedPath: string }>,
  outDir: string,
  python: string = SYSTEM_PYTHON,
): Map<string, string> {
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-nbconvert-'));
  try {
    const inputs = notebooks.map(({ name, executedPath }) => {
      const nb = JSON.parse(fs.readFileSync(executedPath, 'utf8')) as NotebookJson;
      const file = path.join(staging, `${name}.ipynb`);
      fs.writeFileSync(file, JSON.stringify(tagCellNumbers(nb)));
      return file;
    });
    fs.mkdirSync(outDir, { recursive: true });
    const result = spawnSync(python, ['-m', 'nbconvert', '--to', 'html', '--output-dir', outDir, ...inputs], { encoding: 'utf8' });
    if (result.error || result.status !== 0) {
      const why = result.error ? result.error.message : `${result.stderr}`.trim().split('\n').slice(-5).join('\n');
      throw new ConfigError(
        `nbconvert could not render ${notebooks.map((n) => n.name).join(', ')} (exit ${result.status}): ${why}\n` +
          'It needs Debian jupyter-nbconvert (apt-get install jupyter-nbconvert), or RETHINK_PYTHON pointing at a Python with nbconvert.',
        { file: outDir },
      );
    }
    return new Map(notebooks.map(({ name }) => [name, path.join(outDir, `${name}.html`)]));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Absolute prefixes that only this machine has (see PathContext.machineRoots). */
export function machineRoots(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const roots = [path.dirname(repoRoot), os.homedir(), os.tmpdir(), env.RETHINK_SHARED ? path.resolve(repoRoot, env.RETHINK_SHARED) : ''];
  return [...new Set(roots.filter((r) => r !== '' && r !== path.parse(r).root))];
}

export function pathContext(repoRoot: string, notebookDir: string): PathContext {
  return { repoRoot, notebookDir, machineRoots: machineRoots(repoRoot), exists: (p) => fs.existsSync(p) };
}

export interface PageReport {
  name: string;
  htmlPath: string;
  screenshotPath?: string;
  findings: Finding[];
}

export interface CheckPagesOptions {
  session: ChromiumSession;
  /** Where paths in the pages are judged from (repository root, the committed notebooks' folder). */
  repoRoot: string;
  notebookDir: string;
  /** Longest wait for figures and equations to draw; default 20 s. */
  timeoutMs?: number;
}

/** Opens each page in the session, waits for figures and equations, measures it and saves its screenshot. */
export async function checkRenderedPages(
  pages: ReadonlyArray<{ name: string; htmlPath: string; screenshotPath?: string }>,
  options: CheckPagesOptions,
): Promise<PageReport[]> {
  const reports: PageReport[] = [];
  for (const p of pages) {
    const page = await options.session.context.newPage();
    try {
      const seen = watchPage(page);
      await page.goto(`file://${p.htmlPath}`, { waitUntil: 'load', timeout: 120_000 });
      await settle(page, options.timeoutMs ?? 20_000);
      const snapshot = await page.evaluate('window.__rethinkProbe.page()') as PageSnapshot;
      if (p.screenshotPath) await page.screenshot({ path: p.screenshotPath, fullPage: true });
      const findings = checkPage(snapshot, { ...pathContext(options.repoRoot, options.notebookDir), ...seen });
      reports.push({ name: p.name, htmlPath: p.htmlPath, screenshotPath: p.screenshotPath, findings });
    } finally {
      await page.close();
    }
  }
  return reports;
}

/** Console errors, failed loads and blocked network requests of a page, gathered while it loads. */
function watchPage(page: Page): { consoleErrors: string[]; failedRequests: Array<{ url: string; error: string }>; blockedRequests: string[] } {
  const seen = { consoleErrors: [] as string[], failedRequests: [] as Array<{ url: string; error: string }>, blockedRequests: [] as string[] };
  page.on('console', (m) => {
    // A failed load is reported once, with its URL, by `requestfailed` below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) seen.consoleErrors.push(m.text());
  });
  page.on('pageerror', (err) => seen.consoleErrors.push(`${err.name}: ${err.message}`));
  page.on('requestfailed', (r) => {
    if (!seen.blockedRequests.includes(r.url())) seen.failedRequests.push({ url: r.url(), error: r.failure()?.errorText ?? 'failed' });
  });
  void page.route(/^(https?|wss?|ftp):/i, (route) => {
    seen.blockedRequests.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  return seen;
}

/** Waits until every plotly figure has drawn and MathJax has typeset, or the time is up (then checks say what is missing). */
async function settle(page: Page, timeoutMs: number): Promise<void> {
  await page.addScriptTag({ path: PROBE_PATH });
  await page
    .waitForFunction('window.__rethinkProbe.pendingFigures() === 0', undefined, { timeout: timeoutMs, polling: 100 })
    .catch(() => undefined);
  await page
    .evaluate(
      `new Promise((resolve) => {
        const hub = window.MathJax && window.MathJax.Hub;
        if (!hub) return resolve();
        hub.Queue(resolve);
        setTimeout(resolve, ${timeoutMs});
      })`,
    )
    .catch(() => undefined);
  // plotly redraws once more after measuring its automargins; two frames let that land.
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

export interface StaticFigureReport {
  name: string;
  svgPath: string;
  findings: Finding[];
}

/** The label check over static SVG exports, and a PNG beside each that is a rendering of the same figure. */
export async function checkStaticFigures(
  figures: ReadonlyArray<{ name: string; svgPath: string; pngPath?: string; spec?: PlotlySpec }>,
  session: ChromiumSession,
): Promise<StaticFigureReport[]> {
  const page = await session.context.newPage();
  const reports: StaticFigureReport[] = [];
  try {
    for (const f of figures) {
      if (!fs.existsSync(f.svgPath)) {
        const message = `figure "${f.name}": ${path.basename(f.svgPath)} was not exported`;
        reports.push({ name: f.name, svgPath: f.svgPath, findings: [{ origin: 'figure', figure: f.name, check: 'static-export-mismatch', message }] });
        continue;
      }
      const svg = fs.readFileSync(f.svgPath, 'utf8');
      await page.setContent(`<!doctype html><html><head><title>${escapeHtml(f.name)}</title></head><body style="margin:0">${svg}</body></html>`);
      await page.addScriptTag({ path: PROBE_PATH });
      const snapshot = (await page.evaluate('window.__rethinkProbe.svg()')) as FigureSnapshot;
      if (f.spec) snapshot.axes = axesOfSpec(f.spec);
      const findings = checkFigure(snapshot);
      if (f.pngPath) {
        const mismatch = pngMismatch(f.name, snapshot, f.pngPath);
        if (mismatch) findings.push(mismatch);
      }
      reports.push({ name: f.name, svgPath: f.svgPath, findings });
    }
  } finally {
    await page.close();
  }
  return reports;
}

/** A spec's axes as the check reads them; the exporter rendered the spec's own ranges. */
function axesOfSpec(spec: PlotlySpec): Record<string, AxisLayout> {
  return Object.fromEntries(Object.entries(spec.layout).filter(([key]) => /^[xy]axis\d*$/.test(key))) as Record<string, AxisLayout>;
}

/** The PNG must exist and have the SVG's aspect ratio at a whole-number scale (it is the same render). */
function pngMismatch(name: string, svg: FigureSnapshot, pngPath: string): Finding | undefined {
  const at = { origin: 'figure' as const, figure: name, check: 'static-export-mismatch' as const };
  if (!fs.existsSync(pngPath)) return { ...at, message: `figure "${name}": ${path.basename(pngPath)} is missing beside its SVG` };
  const header = fs.readFileSync(pngPath).subarray(0, 24);
  const width = header.readUInt32BE(16);
  const height = header.readUInt32BE(20);
  const svgWidth = Math.round(svg.bounds.x1 - svg.bounds.x0);
  const svgHeight = Math.round(svg.bounds.y1 - svg.bounds.y0);
  const scale = width / svgWidth;
  if (Number.isInteger(scale) && scale >= 1 && height === svgHeight * scale) return undefined;
  return { ...at, message: `figure "${name}": the PNG is ${width} x ${height} px but the SVG is ${svgWidth} x ${svgHeight}: not the same render` };
}


export interface PageCheckRequest {
  /** Executed notebooks (name, path of the executed copy). */
  notebooks: ReadonlyArray<{ name: string; executedPath: string }>;
  /** Figures exported this run: their SVG/PNG sit in `figuresDir` as <name>.svg/.png. */
  figures: ReadonlyArray<{ name: string; spec: PlotlySpec }>;
  figuresDir: string;
  /** Where the HTML pages and their screenshots go (<name>.html, <name>.png). */
  outDir: string;
  repoRoot: string;
  /** Folder of the committed notebooks (links in their prose resolve from here). */
  notebookDir: string;
  session: ChromiumSession;
}

export interface PageCheckResult {
  pages: PageReport[];
  figures: StaticFigureReport[];
}

/** The whole check: HTML for every notebook, each page measured and photographed, every static SVG measured. */
export async function runPageCheck(request: PageCheckRequest): Promise<PageCheckResult> {
  const html = renderNotebooksHtml(request.notebooks, request.outDir);
  const pages = await checkRenderedPages(
    [...html].map(([name, htmlPath]) => ({ name, htmlPath, screenshotPath: path.join(request.outDir, `${name}.png`) })),
    { session: request.session, repoRoot: request.repoRoot, notebookDir: request.notebookDir },
  );
  const figures = await checkStaticFigures(
    request.figures.map(({ name, spec }) => ({
      name,
      spec,
      svgPath: path.join(request.figuresDir, `${name}.svg`),
      pngPath: path.join(request.figuresDir, `${name}.png`),
    })),
    request.session,
  );
  return { pages, figures };
}
