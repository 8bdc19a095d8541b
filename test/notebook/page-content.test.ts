import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOutsidePaths, isObjectDump, linkProblem, type PathContext } from '../../lib/notebook/page-content';

describe('isObjectDump', () => {
  it("flags Node's inspect output of a returned value, as tslab prints it under a cell", () => {
    // What `showFigure(...)` printed before it returned nothing (issue 17).
    const dump = [
      '{',
      "  name: 'fig2-roc-pr-drawn',",
      '  width: 1200,',
      '  spec: {',
      '    data: [',
      '      [Object], [Object],',
      '    ],',
      "    layout: { font: [Object], paper_bgcolor: '#ffffff' },",
      '  }',
      '}',
    ].join('\n');
    expect(isObjectDump(dump)).toBe(true);
    expect(isObjectDump("{ name: 'a', width: 900 }")).toBe(true);
    expect(isObjectDump('[ 0.5, 0.7, 0.9 ]')).toBe(true);
    expect(isObjectDump('Map(2) { 1 => 2, 3 => 4 }')).toBe(true);
    expect(isObjectDump('Float32Array(3) [ 1, 2, 3 ]')).toBe(true);
    expect(isObjectDump('results: [Function: summarise]')).toBe(true);
    expect(isObjectDump('<ref *1> { self: [Circular *1] }')).toBe(true);
  });

  it('leaves text written for a reader alone', () => {
    expect(isObjectDump('')).toBe(false);
    expect(isObjectDump('fig3: reading the results store: 0 · 8.6 s elapsed · done · 14 stored runs read')).toBe(false);
    expect(isObjectDump('[1/7] explore-data (profile smoke) ...\n    ok in 9.0 s')).toBe(false);
    expect(isObjectDump('AUROC 0.990 [0.986, 0.994] (n=3)')).toBe(false);
    expect(isObjectDump('Monte-Carlo draws: 600/600 · 100% · 0.1 s elapsed · done')).toBe(false);
  });
});

const repoRoot = '/work/repo';
const existing = new Set(['/work/repo/notebooks/README.md', '/work/repo/lib/toy', '/work/repo/paper/paper-facts.md']);
const context: PathContext = {
  repoRoot,
  notebookDir: path.join(repoRoot, 'notebooks'),
  machineRoots: ['/work', '/root', '/tmp'],
  exists: (p) => existing.has(p),
};

describe('findOutsidePaths', () => {
  it('finds paths beside the checkout and absolute paths of this machine', () => {
    const code = "let covidRoot: string = '../shared/data/covid-chestxray-cohen-256';";
    expect(findOutsidePaths(code, context)).toEqual(['../shared/data/covid-chestxray-cohen-256']);
    const prose = 'read off the published curves (see `../shared/paper/paper-facts.md` §5.5).';
    expect(findOutsidePaths(prose, context)).toEqual(['../shared/paper/paper-facts.md']);
    expect(findOutsidePaths('cached in /work/repo/.cache/x.bin and /tmp/rethink-1/y.json.', context)).toEqual([
      '/work/repo/.cache/x.bin',
      '/tmp/rethink-1/y.json',
    ]);
    expect(findOutsidePaths('open file:///root/notes.md', context)).toContain('file:///root/notes.md');
  });

  it('accepts repository paths, notebook-relative links, web addresses and general Unix paths', () => {
    const text = [
      'The logic lives in `../lib/toy` (from notebooks/) and lib/metrics; paper/paper-facts.md §4.',
      'Project page https://sun-umn.github.io/Transfer-Learning-in-Medical-Imaging/ and TP / (TP + FN), 1/2.',
      'Chromium is /usr/bin/chromium; weights go to the weights cache; x~/y is not a home path.',
    ].join('\n');
    expect(findOutsidePaths(text, context)).toEqual([]);
  });

  it("finds home-folder paths: a reason printed on one machine names that machine's cache", () => {
    const reason = 'weights missing (densenet121-a639ec97.pth not found at ~/.cache/rethink-tl/weights/hub/checkpoints/densenet121-a639ec97.pth; run ...)';
    expect(findOutsidePaths(reason, context)).toEqual(['~/.cache/rethink-tl/weights/hub/checkpoints/densenet121-a639ec97.pth']);
    expect(findOutsidePaths('runs resume from `~/.cache/rethink-tl/runs`.', context)).toEqual(['~/.cache/rethink-tl/runs']);
  });
});

describe('linkProblem', () => {
  it('judges links from the notebook folder', () => {
    expect(linkProblem('README.md', context)).toBeUndefined();
    expect(linkProblem('README.md#parameters', context)).toBeUndefined();
    expect(linkProblem('https://arxiv.org/abs/2106.05152', context)).toBeUndefined();
    expect(linkProblem('../paper/paper-facts.md', context)).toBeUndefined();
    expect(linkProblem('../../shared/paper/paper-facts.md', context)).toBe('outside-path');
    expect(linkProblem('file:///work/shared/data', context)).toBe('outside-path');
    expect(linkProblem('/work/repo/notebooks/README.md', context)).toBe('outside-path');
    expect(linkProblem('missing.md', context)).toBe('broken-link');
  });
});
