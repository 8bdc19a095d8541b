/**
 * Judging a page on hand-made measurements: content a reader stumbles on must produce a finding that names the cell
 * and says whether the notebook text, a cell's output, a figure or the page is at fault; a clean page none.
 */
import { describe, expect, it } from 'vitest';
import type { FigureSnapshot } from '../../lib/notebook/figure-check';
import { formatFinding } from '../../lib/notebook/findings';
import type { PathContext } from '../../lib/notebook/page-content';
import { checkPage, type PageSnapshot } from '../../lib/notebook/render-check';

/** A drawn figure with nothing wrong, and one plotly never drew. */
function figure(rendered = true): FigureSnapshot {
  return { name: 'bars', rendered, bounds: { x0: 0, y0: 0, x1: 400, y1: 300 }, plotAreas: [{ x0: 60, y0: 40, x1: 380, y1: 240 }], texts: [], traces: [] };
}

const context: PathContext = { repoRoot: '/r', notebookDir: '/r/notebooks', machineRoots: ['/work'], exists: (p) => p === '/r/notebooks/README.md' };

function page(cells: Partial<PageSnapshot['cells'][number]>[]): PageSnapshot {
  return { cells: cells.map((c, i) => ({ id: String(i + 1), kind: 'code', input: '', inputOverflow: 0, outputs: [], links: [], figures: [], ...c })) };
}

const out = (mime: string, text: string, overflow = 0) => ({ mime, text, overflow });

describe('checkPage', () => {
  it('passes a clean page', () => {
    const clean = page([
      { kind: 'markdown', input: 'Fig. 2, see README.md and lib/toy.', links: [{ target: 'README.md', text: 'README', inOutput: false }] },
      { input: "showFigure(spec, { name: 'bars' });", outputs: [out('text/html', '', 3)], figures: [figure()] },
    ]);
    expect(checkPage(clean, context)).toEqual([]);
  });

  it('tells notebook text from cell output, and names cell, figure and label', () => {
    const findings = checkPage(
      page([
        { kind: 'markdown', input: 'see `../shared/paper/paper-facts.md` §5.5' },
        { input: 'showFigure(spec, { name: "bars" })', outputs: [out('text/plain', "{\n  name: 'bars',\n  spec: { data: [ [Object] ] }\n}")] },
        { input: 'const m = describe();', outputs: [out('application/vnd.jupyter.stderr', '=====\nHi, looks like you are running TensorFlow.js in Node.js.\n=====')] },
        { id: 'injected', input: 'let x = 1;', figures: [figure(false)] },
      ]),
      { ...context, consoleErrors: ['Uncaught ReferenceError: Plotly is not defined'], failedRequests: [{ url: 'file:///usr/share/javascript/mathjax/MathJax.js', error: 'net::ERR_FILE_NOT_FOUND' }], blockedRequests: ['https://cdn.plot.ly/plotly.js'] },
    );
    expect(findings.map((f) => [f.check, f.origin, f.cell])).toEqual([
      ['console-error', 'page', undefined],
      ['missing-resource', 'page', undefined],
      ['network-request', 'page', undefined],
      ['outside-path', 'notebook text', '1'],
      ['object-dump', 'cell output', '2'],
      ['stderr-output', 'cell output', '3'],
      ['figure-not-rendered', 'figure', 'injected'],
    ]);
    expect(findings[1]!.message).toContain('libjs-mathjax');
    expect(findings[5]!.message).toContain('Hi, looks like you are running TensorFlow.js');
    expect(formatFinding('fig2-roc-vs-prc', findings[4]!)).toBe(
      "fig2-roc-vs-prc, cell 2: [object-dump, cell output] output 1 is a raw object dump: name: 'bars',",
    );
    expect(formatFinding('fig2-roc-vs-prc', findings[6]!)).toMatch(/^fig2-roc-vs-prc, injected parameters cell: \[figure-not-rendered, figure\] figure "bars"/);
  });

  it('reports code lines past the cell box as notebook text and a table past the output area as cell output', () => {
    const findings = checkPage(page([{ inputOverflow: 271, inputLines: { longest: 160, fits: 118 }, outputs: [out('text/html', 'bar | label | ours | paper', 120)] }]), context);
    expect(findings.map((f) => [f.check, f.origin])).toEqual([
      ['overflow', 'notebook text'],
      ['overflow', 'cell output'],
    ]);
    expect(findings[0]!.message).toContain('271 px past its box (longest line 160 characters, about 118 fit)');
    expect(findings[1]!.message).toContain('120 px');
  });

  it('reports a link in an output as cell output and one in prose as notebook text', () => {
    const findings = checkPage(
      page([
        { kind: 'markdown', links: [{ target: 'file:///work/shared/paper', text: 'facts', inOutput: false }] },
        { links: [{ target: '../../elsewhere.csv', text: 'csv', inOutput: true }] },
      ]),
      context,
    );
    expect(findings.map((f) => [f.check, f.origin, f.label])).toEqual([
      ['outside-path', 'notebook text', 'file:///work/shared/paper'],
      ['outside-path', 'cell output', '../../elsewhere.csv'],
    ]);
  });
});
