import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot, jupyterEnv, kernelPaths } from '../../lib/notebook/index';
import { launcherSource } from '../../lib/notebook/kernel';

describe('project-local kernel paths', () => {
  const root = findRepoRoot(__dirname);
  const paths = kernelPaths(root);

  it('keeps the kernelspec and launcher under <repo>/.jupyter', () => {
    expect(paths.kernelJson).toBe(path.join(root, '.jupyter/share/jupyter/kernels/tslab/kernel.json'));
    expect(paths.launcher).toBe(path.join(root, '.jupyter/bin/tslab-kernel'));
  });

  it('launches this checkout\'s tslab from the repository root', () => {
    const src = launcherSource(paths, '/opt/node/bin/node');
    expect(src.split('\n')[0]).toBe('#!/opt/node/bin/node');
    expect(src).toContain(`process.chdir(${JSON.stringify(root)});`);
    expect(src).toContain(JSON.stringify(path.join(root, 'node_modules/tslab/dist/main.js')));
  });

  it('puts the project kernels first on JUPYTER_PATH and keeps the user\'s entries', () => {
    expect(jupyterEnv(paths, { JUPYTER_PATH: '/x' }).JUPYTER_PATH).toBe(`${paths.jupyterDataDir}${path.delimiter}/x`);
    expect(jupyterEnv(paths, {}).JUPYTER_PATH).toBe(paths.jupyterDataDir);
  });
});
