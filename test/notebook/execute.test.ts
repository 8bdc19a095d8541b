/**
 * End to end through the real Jupyter client and the project-local tslab kernel: a notebook that imports
 * ./lib and shows a figure runs; a type error and a thrown error each fail with the diagnostics of the cell.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FIGURE_SPECS_ENV,
  SYSTEM_PYTHON,
  executeNotebook,
  findRepoRoot,
  injectParameters,
  installKernel,
  isKernelInstalled,
  jupyterEnv,
  kernelPaths,
  readFigureRecords,
  type NotebookJson,
} from '../../lib/notebook/index';

const root = findRepoRoot(__dirname);
const haveJupyter = fs.existsSync(SYSTEM_PYTHON) && fs.existsSync('/usr/lib/python3/dist-packages/nbclient');

function notebook(...sources: string[]): NotebookJson {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    cells: sources.map((source, i) => ({
      cell_type: 'code' as const,
      id: `c${i}`,
      metadata: i === 0 ? { tags: ['parameters'] } : {},
      outputs: [],
      execution_count: null,
      source,
    })),
  };
}

async function run(nb: NotebookJson) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-exec-'));
  const notebookPath = path.join(dir, 'nb.ipynb');
  fs.writeFileSync(notebookPath, JSON.stringify(nb));
  const specsDir = path.join(dir, 'specs');
  const result = await executeNotebook({ notebookPath, cwd: root, env: { ...jupyterEnv(kernelPaths(root)), [FIGURE_SPECS_ENV]: specsDir } });
  return { result, executed: JSON.parse(fs.readFileSync(notebookPath, 'utf8')) as NotebookJson, specsDir };
}

describe.skipIf(!haveJupyter)('executeNotebook with the project tslab kernel', () => {
  beforeAll(() => {
    if (!isKernelInstalled(kernelPaths(root))) installKernel(kernelPaths(root));
  });

  it('runs injected parameters, ./lib imports and showFigure from the repository root', async () => {
    const nb = injectParameters(
      notebook(
        'let n: number = 1;',
        [
          "import { groupedBarFigure } from './lib/plots/index';",
          "import { showFigure } from './lib/notebook/index';",
          "showFigure(groupedBarFigure({ groups: ['g'], series: ['s'], values: [[n / 10]], yTitle: 'y' }), { name: 'tiny' });",
          'console.log(`n=${n} cwd=${process.cwd()}`);',
        ].join('\n'),
        // A cell ending in showFigure: tslab prints a last expression's value, so it must return nothing.
        "showFigure(groupedBarFigure({ groups: ['g'], series: ['s'], values: [[0.2]], yTitle: 'y' }), { name: 'last' });",
      ),
      { overrides: { n: 5 } },
    );
    const { result, executed, specsDir } = await run(nb);
    expect(result.ok).toBe(true);
    const outputs = executed.cells[2]!.outputs!;
    expect(outputs.find((o) => o.output_type === 'stream')?.text).toEqual([`n=5 cwd=${root}\n`]);
    expect(outputs.some((o) => String(o.data?.['text/html'] ?? '').includes('data-rethink-figure="tiny"'))).toBe(true);
    expect(readFigureRecords(specsDir).map((r) => (r.spec.data[0] as any).y)).toEqual([[0.2], [0.5]]); // by file name: last, tiny
    expect(executed.cells[3]!.outputs!.map((o) => o.output_type)).toEqual(['display_data']);
  }, 120_000);

  it('compiles and runs the whole public API (lib/index) under tslab\'s own TypeScript 5.0', async () => {
    // tslab type-checks every file a cell imports, with TS 5.0 and without strictNullChecks: syntax or
    // narrowing that our tsc accepts can still fail there (e.g. `import x = require`, `!u.flag` narrowing).
    const { result, executed } = await run(
      notebook(
        'let n: number = 1;',
        [
          "import { auroc, countParams, cbr } from './lib/index';",
          "console.log(`auroc=${auroc([0, 1, 1], [0.1, 0.8, 0.3])} params=${countParams(cbr('small', { numClasses: 1 }))}`);",
        ].join('\n'),
      ),
    );
    expect(result.failure?.message ?? '').toBe('');
    expect(result.ok).toBe(true);
    const text = (executed.cells[1]!.outputs ?? []).map((o) => [o.text ?? []].flat().join('')).join('');
    expect(text).toContain('auroc=1 params=2113793');
  }, 180_000);

  it('fails on a type error and reports tslab\'s diagnostic for that cell', async () => {
    const { result } = await run(notebook('let n: number = 1;', "const s: string = n;\nconsole.log('never');", 'console.log(2);'));
    expect(result.ok).toBe(false);
    expect(result.failure?.cellIndex).toBe(2);
    expect(result.failure?.message).toMatch(/Type 'number' is not assignable to type 'string'/);
  }, 120_000);

  it('fails on a thrown error and keeps the partly executed notebook', async () => {
    const { result, executed } = await run(notebook('let n: number = 1;', "throw new Error('boom ' + n);", 'console.log(2);'));
    expect(result.ok).toBe(false);
    expect(result.failure?.message).toContain('boom 1');
    expect(executed.cells[2]!.outputs).toEqual([]);
  }, 120_000);
});
