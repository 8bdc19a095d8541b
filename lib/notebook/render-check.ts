/**
 * Judging a rendered notebook page as a reader would, from measurements taken in the browser (page-probe.js): each
 * figure (figure-check.ts), and page content a reader stumbles on: raw object dumps, stderr, code or tables too wide
 * for the page, paths of this machine and broken links, console errors and resources the page could not load.
 * Pure: snapshot in, findings out (findings.ts says what a finding carries).
 */
import { checkFigure, type FigureSnapshot } from './figure-check';
import { firstLine, RENDER_LIMITS, type Finding } from './findings';
import { findOutsidePaths, isObjectDump, linkProblem, type PathContext } from './page-content';

export interface OutputSnapshot {
  /** nbconvert's data-mime-type: text/plain, text/html, application/vnd.jupyter.stderr, ... */
  mime: string;
  text: string;
  /** How far (px) its content runs past the output area's right edge: a table or line too wide for the page. */
  overflow: number;
}

export interface LinkSnapshot {
  target: string;
  text: string;
  inOutput: boolean;
}

export interface CellSnapshot {
  /** The cell's number in the committed notebook (1-based), or `injected` for the runner's parameters cell. */
  id: string;
  kind: 'markdown' | 'code' | 'raw';
  input: string;
  /** How far (px) the cell's source runs past its box (code lines too long to see). */
  inputOverflow: number;
  /** Code cells: the longest source line and about how many characters fit the box, in characters. */
  inputLines?: { longest: number; fits: number };
  outputs: OutputSnapshot[];
  links: LinkSnapshot[];
  figures: FigureSnapshot[];
}

export interface PageSnapshot {
  cells: CellSnapshot[];
}

export interface PageCheckContext extends PathContext {
  /** Messages the browser logged as errors, and resources it failed to load. */
  consoleErrors?: readonly string[];
  failedRequests?: ReadonlyArray<{ url: string; error: string }>;
  blockedRequests?: readonly string[];
}

/** Everything wrong with one rendered notebook page. */
export function checkPage(page: PageSnapshot, context: PageCheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const message of context.consoleErrors ?? []) {
    findings.push({ origin: 'page', check: 'console-error', message: `console error: ${firstLine(message)}` });
  }
  for (const r of context.failedRequests ?? []) {
    findings.push({ origin: 'page', check: 'missing-resource', message: `the page could not load ${r.url} (${r.error})${resourceHint(r.url)}` });
  }
  for (const url of context.blockedRequests ?? []) {
    findings.push({ origin: 'page', check: 'network-request', message: `the page requests ${url} from the network (blocked; the page must work offline)` });
  }
  for (const cell of page.cells) {
    findings.push(...checkCellContent(cell, context));
    for (const figure of cell.figures) findings.push(...checkFigure(figure).map((f) => ({ ...f, cell: cell.id })));
  }
  return findings;
}

function checkCellContent(cell: CellSnapshot, context: PathContext): Finding[] {
  const findings: Finding[] = [];
  const at = { cell: cell.id };
  for (const path of findOutsidePaths(cell.input, context)) {
    findings.push({ ...at, origin: 'notebook text', check: 'outside-path', label: path, message: `the ${cell.kind} cell's text names ${path}, outside the repository` });
  }
  if (cell.inputOverflow > RENDER_LIMITS.overflowTolerance) {
    const lines = cell.inputLines && cell.inputLines.longest > cell.inputLines.fits ? ` (longest line ${cell.inputLines.longest} characters, about ${cell.inputLines.fits} fit)` : '';
    findings.push({ ...at, origin: 'notebook text', check: 'overflow', message: `the ${cell.kind} cell's source runs ${cell.inputOverflow} px past its box${lines}: the ends of its longest lines are not on the page` });
  }
  cell.outputs.forEach((output, k) => {
    const which = `output ${k + 1}`;
    if (output.overflow > RENDER_LIMITS.overflowTolerance) {
      findings.push({ ...at, origin: 'cell output', check: 'overflow', message: `${which} runs ${output.overflow} px past the page's output area (a table or line too wide): ${firstLine(output.text)}` });
    }
    if (output.mime === 'application/vnd.jupyter.stderr') {
      findings.push({ ...at, origin: 'cell output', check: 'stderr-output', message: `${which} is stderr: ${firstLine(output.text)}` });
    }
    if (isTextOutput(output.mime) && isObjectDump(output.text)) {
      findings.push({ ...at, origin: 'cell output', check: 'object-dump', message: `${which} is a raw object dump: ${firstLine(output.text)}` });
    }
    for (const path of findOutsidePaths(output.text, context)) {
      findings.push({ ...at, origin: 'cell output', check: 'outside-path', label: path, message: `${which} names ${path}, outside the repository` });
    }
  });
  for (const link of cell.links) {
    const problem = linkProblem(link.target, context);
    if (!problem) continue;
    findings.push({
      ...at,
      origin: link.inOutput ? 'cell output' : 'notebook text',
      check: problem,
      label: link.target,
      message: `link "${link.text || link.target}" -> ${link.target} ${problem === 'outside-path' ? 'points outside the repository' : 'points to a file that does not exist'}`,
    });
  }
  return findings;
}

/** Outputs shown as text (not HTML or images), where a printed value would land. */
function isTextOutput(mime: string): boolean {
  return mime === 'text/plain' || mime === 'application/vnd.jupyter.stdout';
}

function resourceHint(url: string): string {
  if (url.includes('/mathjax/')) return '; equations stay raw TeX: install Debian `libjs-mathjax`';
  if (url.includes('/requirejs/')) return '; install Debian `libjs-requirejs`';
  return '';
}

