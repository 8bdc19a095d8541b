/**
 * npm run reproduce — executes the figure notebooks headless and exports their figures.
 *
 *   npx tsx scripts/reproduce.ts [--profile smoke|quick|full] [--only fig2-roc-vs-prc,...]
 *                                [--param key=value ...] [--out out/notebooks] [--figures figures] [--no-export]
 *                                [--page-check warn|strict|off] [--summary file.json]
 *
 * For each notebook in notebooks/ (sorted, one at a time): inject the parameters (notebooks/README.md), run
 * it with the project-local tslab kernel from the notebooks/ folder (so `../lib` imports resolve), and write
 * the executed copy to --out. Then, in one headless Chromium session: render every figure the notebooks showed
 * to --figures as SVG and PNG and attach the PNGs to the executed notebooks for static viewers; render each
 * executed notebook to HTML (--out/<name>.html), check the page as a reader sees it and save a full-page
 * screenshot (--out/<name>.png); check the static SVGs' labels (lib/notebook/page-check.ts).
 * Exits 1 if any cell failed, any notebook crashed, export failed, or (with --page-check strict) a page or figure
 * has findings.
 */
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchChromium, type ChromiumSession } from '../lib/plots/browser';
import { exportFigures } from '../lib/plots/export';
import { runPageCheck, type PageCheckResult } from '../lib/notebook/page-check';
import { formatFinding, type Finding } from '../lib/notebook/findings';
import {
  attachStaticFigures,
  executeNotebook,
  FIGURE_SPECS_ENV,
  findRepoRoot,
  formatSeconds,
  injectParameters,
  installKernel,
  isKernelInstalled,
  jupyterEnv,
  kernelPaths,
  parseParamArg,
  readFigureRecords,
  type FigureRecord,
  type NotebookJson,
  type ParameterValue,
} from '../lib/notebook';

interface Options {
  profile: string;
  only?: string;
  param: string[];
  out: string;
  figures: string;
  export: boolean;
  pageCheck: string;
  summary?: string;
}

const PAGE_CHECK_MODES = ['warn', 'strict', 'off'] as const;
type PageCheckMode = (typeof PAGE_CHECK_MODES)[number];

interface NotebookRun {
  name: string;
  executedPath: string;
  specsDir: string;
  ok: boolean;
  seconds: number;
}

async function main(): Promise<number> {
  const program = new Command()
    .name('reproduce')
    .description('Execute the figure notebooks headless and export their figures to SVG and PNG.')
    .option('--profile <name>', 'parameter profile (smoke | quick | full; see notebooks/README.md)', 'quick')
    .option('--only <names>', 'comma-separated notebook names (without .ipynb)')
    .option('--param <key=value>', 'override a parameter (JSON value, else string); repeatable', collect, [] as string[])
    .option('--out <dir>', 'folder for the executed notebooks', 'out/notebooks')
    .option('--figures <dir>', 'folder for the static figures', 'figures')
    .option('--no-export', 'skip the static SVG/PNG export and the page check (no browser needed)')
    .option('--page-check <mode>', 'rendered-page check: warn (print findings), strict (findings fail the run), off', 'warn')
    .option('--summary <file>', 'write {passed, failed, notebooks} as JSON (used by npm test for its closing count)')
    .parse(process.argv);
  const options = program.opts<Options>();
  const root = findRepoRoot(__dirname);
  const notebooksDir = path.join(root, 'notebooks');
  const outDir = path.resolve(root, options.out);
  const figuresDir = path.resolve(root, options.figures);
  const overrides: Record<string, ParameterValue> = Object.fromEntries(options.param.map(parseParamArg));
  if (!(PAGE_CHECK_MODES as readonly string[]).includes(options.pageCheck)) {
    console.log(`reproduce: --page-check must be one of ${PAGE_CHECK_MODES.join(', ')} (got "${options.pageCheck}")`);
    return 2;
  }
  const pageCheckMode = options.pageCheck as PageCheckMode;

  const selected = selectNotebooks(notebooksDir, options.only);
  if (!selected) return 2;

  const kernel = kernelPaths(root);
  if (!isKernelInstalled(kernel)) {
    console.log(`Installing the project-local tslab kernel in ${kernel.prefix} ...`);
    installKernel(kernel);
  }

  // Parameterise everything first, so a typo in --param fails before any kernel starts.
  const prepared = selected.map((name) => {
    const source = JSON.parse(fs.readFileSync(path.join(notebooksDir, `${name}.ipynb`), 'utf8')) as NotebookJson;
    return { name, nb: injectParameters(source, { profile: options.profile, overrides, notebook: `${name}.ipynb` }) };
  });

  fs.mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const runs: NotebookRun[] = [];
  for (const [i, { name, nb }] of prepared.entries()) {
    console.log(`[${i + 1}/${prepared.length}] ${name} (profile ${options.profile}) ...`);
    runs.push(await runNotebook(name, nb, { outDir, root, profile: options.profile, env: jupyterEnv(kernel) }));
  }

  const { exportOk, pages } = options.export
    ? await browserStage(runs, { figuresDir, outDir, root, notebooksDir, pageCheck: pageCheckMode })
    : { exportOk: true, pages: undefined };

  const failed = runs.filter((r) => !r.ok);
  const pageFailures = pageCheckMode === 'strict' && pages ? pages.failed : 0;
  if (options.summary) {
    const summary = {
      passed: runs.length - failed.length + (exportOk ? 1 : 0) + (pages ? pages.passed + pages.failed - pageFailures : 0),
      failed: failed.length + (exportOk ? 0 : 1) + pageFailures,
      notebooks: runs.map((r) => ({ name: r.name, ok: r.ok, seconds: r.seconds })),
      figureExport: exportOk,
      pageCheck: pages ? { mode: pageCheckMode, checked: pages.passed + pages.failed, withFindings: pages.failed } : undefined,
    };
    fs.writeFileSync(path.resolve(root, options.summary), JSON.stringify(summary, null, 2));
  }
  console.log(
    `reproduce: ${runs.length - failed.length}/${runs.length} notebooks ok in ${formatSeconds((Date.now() - started) / 1000)}` +
      (failed.length ? `; failed: ${failed.map((r) => r.name).join(', ')}` : '') +
      (pages ? `; page check: ${pages.failed} of ${pages.passed + pages.failed} pages and figures with findings` : ''),
  );
  return failed.length === 0 && exportOk && pageFailures === 0 ? 0 : 1;
}

/** The notebooks named by --only (all in notebooks/ by default); undefined, after saying why, if any is unknown. */
function selectNotebooks(notebooksDir: string, only: string | undefined): string[] | undefined {
  const available = fs
    .readdirSync(notebooksDir)
    .filter((f) => f.endsWith('.ipynb'))
    .map((f) => f.slice(0, -'.ipynb'.length))
    .sort();
  const selected = only ? only.split(',').map((s) => s.trim().replace(/\.ipynb$/, '')).filter(Boolean) : available;
  const unknown = selected.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    console.log(`reproduce: no notebook ${unknown.join(', ')} in ${notebooksDir} (have: ${available.join(', ')})`);
    return undefined;
  }
  if (selected.length === 0) {
    console.log(`reproduce: no notebooks in ${notebooksDir}`);
    return undefined;
  }
  return selected;
}

/** Executes one parameterised notebook into <out>/<name>.ipynb, printing each cell's time and any failure. */
async function runNotebook(
  name: string,
  nb: NotebookJson,
  where: { outDir: string; root: string; profile: string; env: NodeJS.ProcessEnv },
): Promise<NotebookRun> {
  const executedPath = path.join(where.outDir, `${name}.ipynb`);
  const specsDir = path.join(where.outDir, '.figure-specs', name);
  fs.rmSync(specsDir, { recursive: true, force: true });
  fs.writeFileSync(executedPath, JSON.stringify(nb, null, 1));
  const result = await executeNotebook({
    notebookPath: executedPath,
    cwd: where.root,
    env: { ...where.env, [FIGURE_SPECS_ENV]: specsDir, RETHINK_PROFILE: where.profile },
    onCell: (p) => console.log(`    cell ${p.cell}/${p.total} ${formatSeconds(p.seconds)} (notebook ${formatSeconds(p.elapsed)})`),
  });
  if (result.ok) {
    console.log(`    ok in ${formatSeconds(result.seconds)} -> ${path.relative(where.root, executedPath)}`);
  } else if (result.failure) {
    console.log(`    FAILED in cell ${result.failure.cellIndex} after ${formatSeconds(result.seconds)}:`);
    console.log(indent(result.failure.source.split('\n').slice(0, 8).join('\n'), '      > '));
    console.log(indent(result.failure.message, '      '));
    console.log(`    partial notebook: ${path.relative(where.root, executedPath)}`);
  } else {
    console.log(`    FAILED (kernel/driver) after ${formatSeconds(result.seconds)}:\n${indent(result.crash ?? '', '      ')}`);
  }
  return { name, executedPath, specsDir, ok: result.ok, seconds: result.seconds };
}

/**
 * Everything that needs the browser, in one Chromium session: the static export, then (unless off) the rendered
 * pages and the static figures checked.
 */
async function browserStage(
  runs: NotebookRun[],
  where: { figuresDir: string; outDir: string; root: string; notebooksDir: string; pageCheck: PageCheckMode },
): Promise<{ exportOk: boolean; pages?: PageTally }> {
  const records = collectFigureRecords(runs);
  if (!records) return { exportOk: false };
  let session: ChromiumSession | undefined;
  try {
    session = await launchChromium({ why: 'static figure export and the rendered-page check' });
    if (!(await exportAll(runs, records, where.figuresDir, where.root, session))) return { exportOk: false };
    if (where.pageCheck === 'off') return { exportOk: true };
    const t0 = Date.now();
    try {
      const result = await runPageCheck({
        notebooks: runs.filter((r) => r.ok),
        figures: records.map(({ record }) => ({ name: record.name, spec: record.spec })),
        figuresDir: where.figuresDir,
        outDir: where.outDir,
        repoRoot: where.root,
        notebookDir: where.notebooksDir,
        session,
      });
      const pages = reportPageCheck(result, where.outDir, where.root);
      console.log(`    page check done in ${formatSeconds((Date.now() - t0) / 1000)}`);
      return { exportOk: true, pages };
    } catch (err) {
      console.log(`reproduce: the rendered-page check could not run: ${(err as Error).message}`);
      return { exportOk: true, pages: { passed: 0, failed: 1 } };
    }
  } catch (err) {
    console.log(`reproduce: ${(err as Error).message}`);
    return { exportOk: false };
  } finally {
    await session?.close();
  }
}

/** Every figure the runs recorded; undefined (after saying why) when two notebooks use one name. */
function collectFigureRecords(runs: NotebookRun[]): Array<{ run: NotebookRun; record: FigureRecord }> | undefined {
  const owner = new Map<string, string>();
  const records: Array<{ run: NotebookRun; record: FigureRecord }> = [];
  for (const run of runs) {
    for (const record of readFigureRecords(run.specsDir)) {
      const previous = owner.get(record.name);
      if (previous && previous !== run.name) {
        console.log(`reproduce: figure name "${record.name}" is used by both ${previous} and ${run.name}`);
        return undefined;
      }
      owner.set(record.name, run.name);
      records.push({ run, record });
    }
  }
  return records;
}

async function exportAll(
  runs: NotebookRun[],
  records: Array<{ run: NotebookRun; record: FigureRecord }>,
  figuresDir: string,
  root: string,
  session: ChromiumSession,
): Promise<boolean> {
  if (records.length === 0) return true;
  const t0 = Date.now();
  console.log(`Exporting ${records.length} figure(s) to ${path.relative(root, figuresDir) || '.'} ...`);
  try {
    await exportFigures(
      records.map(({ record }) => ({
        spec: record.spec,
        basePath: path.join(figuresDir, record.name),
        width: record.width,
        height: record.height,
      })),
      { session, onExported: (files) => console.log(`    ${files.map((f) => path.relative(root, f)).join(', ')}`) },
    );
  } catch (err) {
    console.log(`reproduce: figure export failed: ${(err as Error).message}`);
    return false;
  }
  for (const run of runs) {
    const names = records.filter((r) => r.run === run).map((r) => r.record.name);
    if (names.length === 0 || !fs.existsSync(run.executedPath)) continue;
    const pngs = new Map(names.map((n) => [n, fs.readFileSync(path.join(figuresDir, `${n}.png`))]));
    const nb = JSON.parse(fs.readFileSync(run.executedPath, 'utf8')) as NotebookJson;
    attachStaticFigures(nb, pngs);
    fs.writeFileSync(run.executedPath, JSON.stringify(nb, null, 1));
  }
  console.log(`    export done in ${formatSeconds((Date.now() - t0) / 1000)}`);
  return true;
}

interface PageTally {
  passed: number;
  failed: number;
}

/** Prints each page's and figure's findings (or that it is clean) and writes them all to <out>/page-check.json. */
function reportPageCheck(result: PageCheckResult, outDir: string, root: string): PageTally {
  const tally: PageTally = { passed: 0, failed: 0 };
  const show = (label: string, findings: Finding[], extra: string): void => {
    if (findings.length === 0) tally.passed++;
    else tally.failed++;
    console.log(`    ${label}: ${findings.length === 0 ? 'ok' : `${findings.length} finding(s)`}${extra}`);
    for (const f of findings) console.log(`      ${formatFinding(label, f)}`);
  };
  console.log('Rendered-page check (nbconvert HTML in headless Chromium; fix where each finding says it comes from):');
  for (const page of result.pages) {
    show(page.name, page.findings, page.screenshotPath ? ` (screenshot ${path.relative(root, page.screenshotPath)})` : '');
  }
  for (const figure of result.figures) show(`${path.relative(root, figure.svgPath)}`, figure.findings, '');
  const file = path.join(outDir, 'page-check.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 1));
  console.log(`    all findings: ${path.relative(root, file)}`);
  return tally;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.log(err instanceof Error ? `reproduce: ${err.message}` : err);
    process.exit(1);
  },
);
