/**
 * Renders recorded figure specs to static SVG + PNG without re-running notebooks, e.g. after working
 * interactively in JupyterLab (showFigure records to out/figure-specs/interactive by default).
 *
 *   npx tsx scripts/notebook-export-figures.ts [--specs out/figure-specs/interactive] [--figures figures]
 */
import { Command } from 'commander';
import * as path from 'node:path';
import { findRepoRoot, readFigureRecords } from '../lib/notebook/index';
import { exportFigures } from '../lib/plots/export';

async function main(): Promise<number> {
  const root = findRepoRoot(__dirname);
  const options = new Command()
    .name('notebook-export-figures')
    .option('--specs <dir>', 'folder of recorded figure specs', 'out/figure-specs/interactive')
    .option('--figures <dir>', 'output folder', 'figures')
    .parse(process.argv)
    .opts<{ specs: string; figures: string }>();
  const records = readFigureRecords(path.resolve(root, options.specs));
  if (records.length === 0) {
    console.log(`No figure specs in ${options.specs}.`);
    return 0;
  }
  const figuresDir = path.resolve(root, options.figures);
  await exportFigures(
    records.map((r) => ({ spec: r.spec, basePath: path.join(figuresDir, r.name), width: r.width, height: r.height })),
    { onExported: (files) => console.log(files.map((f) => path.relative(root, f)).join(', ')) },
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
