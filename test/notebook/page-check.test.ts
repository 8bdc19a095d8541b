/**
 * The rendered-page check in a real headless Chromium: hand-made pages and SVGs that each contain one defect a
 * reader would meet must produce a finding naming it (and the clean ones none), our figure builders must pass at
 * a wide and a narrow width, and the whole path (nbconvert HTML of an executed notebook) must name the cells.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkRenderedPages,
  checkStaticFigures,
  renderNotebooksHtml,
  tagCellNumbers,
} from '../../lib/notebook/page-check';
import { findRepoRoot, SYSTEM_PYTHON } from '../../lib/notebook/kernel';
import type { NotebookJson } from '../../lib/notebook/notebook-json';
import type { Finding } from '../../lib/notebook/findings';
import { chromiumPath, launchChromium, type ChromiumSession } from '../../lib/plots/browser';
import { exportFigures, plotlyBundlePath } from '../../lib/plots/export';
import { figureHtml, plotlyLoaderHtml } from '../../lib/plots/inline-html';
import { groupedBarFigure, metricDistributionFigure, rocPrFigure, type PlotlySpec } from '../../lib/plots/index';

const root = findRepoRoot(__dirname);
const haveChromium = fs.existsSync(chromiumPath());
const haveNbconvert = spawnSync(SYSTEM_PYTHON, ['-c', 'import nbconvert'], { encoding: 'utf8' }).status === 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-page-check-'));
let session: ChromiumSession;

beforeAll(async () => {
  if (haveChromium) session = await launchChromium({ why: 'the page-check tests' });
});
afterAll(async () => {
  await session?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One cell as nbconvert's lab template writes it, tagged with its number. */
function cell(id: string, kind: 'markdown' | 'code', input: string, outputs: string[] = []): string {
  const area = outputs.map((o) => `<div class="jp-OutputArea-child">${o}</div>`).join('');
  return (
    `<div class="jp-Cell jp-${kind === 'code' ? 'CodeCell' : 'MarkdownCell'} celltag_rethink-cell-${id}">` +
    `<div class="jp-Cell-inputWrapper"><div class="jp-InputArea">${input}</div></div>` +
    (outputs.length ? `<div class="jp-Cell-outputWrapper"><div class="jp-OutputArea">${area}</div></div>` : '') +
    '</div>'
  );
}

const output = (mime: string, html: string) => `<div class="jp-OutputArea-output" data-mime-type="${mime}">${html}</div>`;

/** A plotly figure drawn into a fixed-width box by the page's own script, as a notebook output would. */
function plot(id: string, spec: PlotlySpec, width: number, height = 420): string {
  return output('text/html', `<div style="width:${width}px">${figureHtml(spec, { id, name: id, width, height })}</div>`);
}

function writePage(name: string, cells: string[]): string {
  const file = path.join(dir, `${name}.html`);
  fs.writeFileSync(
    file,
    `<!doctype html><html><head><meta charset="utf-8"><script src="file://${plotlyBundlePath()}"></script></head>` +
      `<body style="margin:0">${cells.join('\n')}</body></html>`,
  );
  return file;
}

async function findingsOf(file: string, timeoutMs = 10_000): Promise<Finding[]> {
  const [report] = await checkRenderedPages([{ name: path.basename(file, '.html'), htmlPath: file }], {
    session,
    repoRoot: root,
    notebookDir: path.join(root, 'notebooks'),
    timeoutMs,
  });
  return report!.findings;
}

const summary = (findings: Finding[]) => findings.map((f) => `${f.cell ?? '-'} ${f.check} ${f.origin}${f.label ? ` ${f.label}` : ''}`);

/** Plotly's defaults (no automargin, numeric axis): a long last label overflows and plotly drops it. */
const overflowing: PlotlySpec = {
  data: [{ type: 'bar', x: [0, 1, 2, 3], y: [0.7, 0.9, 0.1, 0.3] }],
  layout: {
    margin: { l: 50, r: 10, t: 10, b: 40 },
    xaxis: { tickmode: 'array', tickvals: [0, 1, 2, 3], ticktext: ['covid19 (covid-cohen)', 'pneumonia (covid-cohen)', 'no_finding (covid-cohen)', 'opacity (synthetic-cxr, SYNTHETIC)'], range: [-0.6, 3.6] },
    yaxis: { range: [0, 1] },
  },
};

describe.skipIf(!haveChromium)('checkRenderedPages on hand-made pages', () => {
  it('finds each defect of a defective page, in the cell it sits in', async () => {
    const file = writePage('defective', [
      cell('1', 'markdown', '<p>Values read off the curves (see <code>../shared/paper/paper-facts.md</code> §5.5); <a href="../../shared/data">data</a>.</p>'),
      cell('2', 'code', "showFigure(spec, { name: 'a' })", [output('text/plain', "<pre>{\n  name: 'a',\n  spec: { data: [ [Object] ] }\n}</pre>")]),
      cell('3', 'code', 'show(overflowing)', [plot('overflowing', overflowing, 500, 300)]),
      cell('4', 'code', 'broken()', [output('text/html', '<script>undefinedFunction();</script><div data-rethink-figure="never"></div>')]),
      cell('5', 'code', 'remote()', [output('text/html', '<img src="https://example.org/chart.png" alt="remote">')]),
      cell('6', 'code', `<pre>const wide = ${'1 + '.repeat(400)}1;</pre>`, [output('text/html', '<table style="width:2400px"><tr><td>bar</td></tr></table>')]),
    ]);
    const findings = await findingsOf(file, 3000);
    expect(summary(findings)).toEqual(
      expect.arrayContaining([
        '1 outside-path notebook text ../shared/paper/paper-facts.md',
        '1 outside-path notebook text ../../shared/data',
        '2 object-dump cell output',
        '3 label-clipped figure opacity (synthetic-cxr, SYNTHETIC)',
        '4 figure-not-rendered figure',
        '- console-error page',
        '- network-request page',
        '6 overflow notebook text',
        '6 overflow cell output',
      ]),
    );
    expect(findings.find((f) => f.check === 'console-error')!.message).toContain('undefinedFunction');
    expect(findings.find((f) => f.check === 'network-request')!.message).toContain('https://example.org/chart.png');
  }, 60_000);

  it('passes a clean page', async () => {
    const spec = groupedBarFigure({ groups: ['TL', 'RI'], series: ['AUROC'], values: [[0.8, 0.7]], yTitle: 'AUROC', title: 'Clean' });
    const file = writePage('clean', [
      cell('1', 'markdown', '<p>See <a href="README.md">the README</a> and <code>lib/plots</code>.</p>'),
      cell('2', 'code', 'show(spec)', [plot('clean', spec, 700)]),
    ]);
    expect(await findingsOf(file)).toEqual([]);
  }, 60_000);
});

/** Figures shaped like the notebooks' worst cases: long group labels, many groups, three panels, long titles. */
const builderFigures: Array<[string, PlotlySpec]> = [
  [
    'prevalence',
    groupedBarFigure({
      groups: ['covid19 (covid-cohen)', 'pneumonia (covid-cohen)', 'no_finding (covid-cohen)', 'opacity (synthetic-cxr, SYNTHETIC)'],
      series: ['prevalence'],
      values: [[0.716, 0.941, 0.044, 0.3]],
      yTitle: 'prevalence',
      yRange: [0, 1],
      title: 'Label prevalence = AUPRC of a random ranking (its AUROC is 0.5 at any prevalence)',
    }),
  ],
  [
    'truncation',
    groupedBarFigure({
      groups: ['Dens-T1', 'Dens-T2', 'Dens-T3', 'Dens-F', 'CBR-LargeT', 'CBR-LargeW', 'CBR-Small', 'CBR-Tiny', 'ResNet50K-T1', 'ResNet50K-T2', 'ResNet50K-T3', 'ResNet50K-F'],
      series: ['25%', '50%', '100%'],
      values: [0, 1, 2].map((s) => Array.from({ length: 12 }, (_, g) => (g < 8 ? null : 0.5 + 0.05 * s + 0.01 * g))),
      errors: [0, 1, 2].map(() => Array.from({ length: 12 }, (_, g) => (g < 8 ? null : 0.08))),
      reference: { name: 'paper (2021, digitised)', values: [0, 1, 2].map((s) => Array.from({ length: 12 }, (_, g) => (s === 2 ? 0.85 : null))) },
      yTitle: 'AUROC',
      missingNote: 'n/a',
      title: 'SYNTHETIC DATA — Fig. 7 — truncated TL, CheXpert: AUROC (bars: 95% test-set bootstrap CI; ◆ paper, digitised)',
    }),
  ],
  [
    'monte-carlo',
    metricDistributionFigure(
      ['AUROC', 'AUPRC (trapezoid)', 'AUPRC (average precision)'].map((metric, m) => ({
        metric,
        series: [
          { name: 'CA', values: Array.from({ length: 50 }, (_, i) => (m === 0 ? 0.998 + i * 4e-5 : 0.7 + i * 0.006)) },
          { name: 'CB', values: Array.from({ length: 50 }, (_, i) => (m === 0 ? 0.983 + i * 3e-4 : 0.2 + i * 0.008)), expected: m === 0 ? 0.99 : 0.37 },
        ],
      })),
      { bins: 100, title: 'Distribution over 300 draws per classifier (dashed: exact expectation)' },
    ),
  ],
  [
    'roc-pr',
    rocPrFigure(
      ['CA', 'CB'].map((name) => ({
        name,
        roc: { fpr: [0, 0, 0.02, 1], tpr: [0, 0.9, 1, 1] },
        pr: { precision: [1, 0.4, 0.01], recall: [0, 1, 1] },
        auroc: 0.9997,
        auprc: 0.968,
        averagePrecision: 0.9698,
      })),
      { title: 'ROC and PR curves of one seeded draw (seed 2021)', prevalence: 0.01, definitionsPanel: true, digits: 4 },
    ),
  ],
];

describe.skipIf(!haveChromium)('figures from lib/plots read cleanly in a page', () => {
  it.each([1150, 700])('at %i px wide', async (width) => {
    const file = writePage(`builders-${width}`, builderFigures.map(([name, spec], i) => cell(String(i + 1), 'code', name, [plot(name, spec, width, 480)])));
    const findings = await findingsOf(file);
    expect(findings.map((f) => f.message)).toEqual([]);
  }, 90_000);
});

describe.skipIf(!haveChromium)('checkStaticFigures', () => {
  it('finds the label a static export dropped, a label cut by the edge, and a PNG of another figure', async () => {
    const base = path.join(dir, 'static');
    const clean = builderFigures[0]![1];
    await exportFigures(
      [
        { spec: overflowing, basePath: `${base}-overflowing`, width: 500, height: 300 },
        { spec: clean, basePath: `${base}-clean`, width: 900, height: 450 },
      ],
      { session },
    );
    // A label written past the right edge of its SVG.
    fs.writeFileSync(
      `${base}-cut.svg`,
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><g class="xaxislayer-above"><g class="xtick">' +
        '<text x="150" y="90" style="font-size:13px">a long label here</text></g></g></svg>',
    );
    const reports = await checkStaticFigures(
      [
        { name: 'overflowing', svgPath: `${base}-overflowing.svg`, pngPath: `${base}-overflowing.png`, spec: overflowing },
        { name: 'clean', svgPath: `${base}-clean.svg`, pngPath: `${base}-clean.png`, spec: clean },
        { name: 'cut', svgPath: `${base}-cut.svg` },
        { name: 'swapped', svgPath: `${base}-clean.svg`, pngPath: `${base}-overflowing.png` },
      ],
      session,
    );
    const [overflow, ok, cut, swapped] = reports.map((r) => r.findings);
    expect(overflow!.map((f) => [f.check, f.label])).toContainEqual(['label-clipped', 'opacity (synthetic-cxr, SYNTHETIC)']);
    expect(overflow!.find((f) => f.label === 'opacity (synthetic-cxr, SYNTHETIC)')!.message).toContain('missing from the render');
    expect(ok).toEqual([]);
    expect(cut!.map((f) => [f.check, f.label])).toEqual([['label-clipped', 'a long label here']]);
    expect(swapped!.map((f) => f.check)).toEqual(['static-export-mismatch']);
  }, 60_000);
});

describe('tagCellNumbers', () => {
  it("numbers cells as the committed notebook counts them, the runner's injected cell apart", () => {
    const nb: NotebookJson = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: 'markdown', metadata: {}, source: '# T' },
        { cell_type: 'code', metadata: { tags: ['parameters'] }, source: 'let a = 1;' },
        { cell_type: 'code', metadata: { tags: ['injected-parameters'] }, source: 'let a = 2;' },
        { cell_type: 'code', metadata: {}, source: 'a' },
      ],
    };
    expect(tagCellNumbers(nb).cells.map((c) => c.metadata.tags)).toEqual([
      ['rethink-cell-1'],
      ['parameters', 'rethink-cell-2'],
      ['injected-parameters', 'rethink-cell-injected'],
      ['rethink-cell-3'],
    ]);
  });
});

describe.skipIf(!haveChromium || !haveNbconvert)('an executed notebook through nbconvert', () => {
  it('renders to HTML and names the committed cell of each finding', async () => {
    const spec = groupedBarFigure({ groups: ['TL', 'RI'], series: ['AUROC'], values: [[0.8, 0.7]], yTitle: 'AUROC' });
    const nb: NotebookJson = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: 'markdown', metadata: {}, source: 'Data in `../shared/data/covid`; see [the README](README.md).' },
        { cell_type: 'code', metadata: { tags: ['injected-parameters'] }, source: 'let n = 1;', outputs: [], execution_count: 1 },
        {
          cell_type: 'code',
          metadata: {},
          source: 'showFigure(spec, { name: "bars" })',
          execution_count: 2,
          outputs: [
            { output_type: 'display_data', metadata: {}, data: { 'text/html': plotlyLoaderHtml(), 'text/plain': 'plotly' } },
            { output_type: 'display_data', metadata: {}, data: { 'text/html': figureHtml(spec, { id: 'bars', name: 'bars', width: 700, height: 400 }), 'text/plain': 'Figure' } },
            { output_type: 'execute_result', metadata: {}, execution_count: 2, data: { 'text/plain': "{ name: 'bars', spec: { data: [ [Object] ] } }" } },
          ],
        },
      ],
    };
    const executedPath = path.join(dir, 'executed.ipynb');
    fs.writeFileSync(executedPath, JSON.stringify(nb));
    const html = renderNotebooksHtml([{ name: 'executed', executedPath }], path.join(dir, 'html'));
    const htmlPath = html.get('executed')!;
    const screenshotPath = path.join(dir, 'html', 'executed.png');
    const [report] = await checkRenderedPages([{ name: 'executed', htmlPath, screenshotPath }], {
      session,
      repoRoot: root,
      notebookDir: path.join(root, 'notebooks'),
    });
    expect(summary(report!.findings)).toEqual(['1 outside-path notebook text ../shared/data/covid', '2 object-dump cell output']);
    expect(fs.readFileSync(screenshotPath).subarray(1, 4).toString('ascii')).toBe('PNG');
  }, 120_000);
});
