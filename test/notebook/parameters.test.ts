import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors';
import {
  INJECTED_TAG,
  injectParameters,
  parseParamArg,
  parseParameterCell,
  resolveParameters,
  type NotebookJson,
} from '../../lib/notebook/index';

function notebook(): NotebookJson {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { rethink: { profiles: { smoke: { nDraws: 10 }, full: { nDraws: 5000 } } } },
    cells: [
      { cell_type: 'markdown', id: 'a', metadata: {}, source: ['# Title'] },
      {
        cell_type: 'code',
        id: 'b',
        metadata: { tags: ['parameters'] },
        outputs: [],
        execution_count: null,
        source: [
          '// Parameters\n',
          "let profile: string = 'quick';\n",
          'let nDraws: number = 1000; // per classifier\n',
          'const labels = ["a", "b"];\n',
          'let useGpu = false;',
        ],
      },
      { cell_type: 'code', id: 'c', metadata: {}, outputs: [], execution_count: null, source: 'console.log(nDraws);' },
    ],
  };
}

describe('parameter cell parsing', () => {
  it('reads one declaration per line with keyword, annotation and initialiser', () => {
    const source = notebook().cells[1]!.source as string[];
    expect(parseParameterCell(source.join(''))).toEqual([
      { keyword: 'let', name: 'profile', type: 'string', initialiser: "'quick'" },
      { keyword: 'let', name: 'nDraws', type: 'number', initialiser: '1000' },
      { keyword: 'const', name: 'labels', initialiser: '["a", "b"]' },
      { keyword: 'let', name: 'useGpu', initialiser: 'false' },
    ]);
  });

  it('parses --param values as JSON, falling back to strings', () => {
    expect(parseParamArg('nDraws=200')).toEqual(['nDraws', 200]);
    expect(parseParamArg('labels=["x"]')).toEqual(['labels', ['x']]);
    expect(parseParamArg('name=run a=b')).toEqual(['name', 'run a=b']);
    expect(() => parseParamArg('=3')).toThrow(ConfigError);
  });
});

describe('injectParameters', () => {
  it('inserts a tagged cell right after the parameters cell, redeclaring with the same annotation', () => {
    const out = injectParameters(notebook(), { profile: 'smoke', overrides: { useGpu: true } });
    expect(out.cells.map((c) => c.id)).toEqual(['a', 'b', INJECTED_TAG, 'c']);
    const injected = out.cells[2]!;
    expect(injected.metadata.tags).toEqual([INJECTED_TAG]);
    expect((injected.source as string[]).join('')).toBe(
      [
        '// Injected by scripts/reproduce.ts (profile "smoke"); overrides the parameters cell above.',
        'let profile: string = "smoke";',
        'let nDraws: number = 10;',
        'let useGpu = true;',
      ].join('\n'),
    );
  });

  it('lets explicit values override the profile and replaces a previous injected cell', () => {
    const once = injectParameters(notebook(), { profile: 'full' });
    const twice = injectParameters(once, { profile: 'full', overrides: { nDraws: 7 } });
    expect(twice.cells.filter((c) => c.metadata.tags?.includes(INJECTED_TAG))).toHaveLength(1);
    expect((twice.cells[2]!.source as string[]).join('')).toContain('let nDraws: number = 7;');
  });

  it('leaves the notebook unchanged when nothing is requested, and does not mutate its input', () => {
    const nb = notebook();
    const before = JSON.stringify(nb);
    expect(injectParameters(nb, {}).cells).toHaveLength(3);
    injectParameters(nb, { profile: 'smoke' });
    expect(JSON.stringify(nb)).toBe(before);
  });

  it('rejects undeclared names, unknown profiles and values of the wrong kind, naming the notebook', () => {
    expect(() => resolveParameters(notebook(), { overrides: { nDraw: 3 }, notebook: 'fig.ipynb' })).toThrow(
      /fig\.ipynb: parameter "nDraw" is not declared in the parameters cell \(declared: profile, nDraws, labels, useGpu\)/,
    );
    expect(() => resolveParameters(notebook(), { profile: 'huge' })).toThrow(/no profile "huge" \(metadata.rethink.profiles has smoke, full\)/);
    expect(() => resolveParameters(notebook(), { overrides: { nDraws: 'many' } })).toThrow(/defaults to a number .* given a string/);
    expect(() => resolveParameters(notebook(), { overrides: { labels: 'x' } })).toThrow(/defaults to a array/);
  });

  it('requires a parameters cell when values are given', () => {
    const nb = notebook();
    nb.cells[1]!.metadata = {};
    expect(() => injectParameters(nb, { overrides: { nDraws: 1 } })).toThrow(/no code cell is tagged "parameters"/);
    expect(injectParameters(nb, {}).cells).toHaveLength(3);
  });

  it('accepts any profile name for notebooks without a profile table', () => {
    const nb = notebook();
    nb.metadata = {};
    expect(resolveParameters(nb, { profile: 'smoke' })).toEqual({ profile: 'smoke' });
  });
});
