/** `rethink-tl run`: plan a grid, skip what the store has, train the rest (resumably), print the outcome. */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { DATASET_IDS } from '../../data/registry';
import { summarizeRuns } from '../../experiments/aggregate';
import { GRIDS, withTlSource } from '../../experiments/grids';
import { getProfile, PROFILES } from '../../experiments/profiles';
import { runGrid } from '../../experiments/runner';
import { readStoreFile, STORE_FILE } from '../../experiments/store';
import { MODEL_IDS, TL_SOURCES } from '../../models/registry';
import { collect, fractionList, parseDataset, parseGrids, parseWeights, positiveInt, selectCells, workerCount } from '../options';
import { createProgressView } from '../progress';
import { statusTable } from '../status-table';
import { DEFAULT_STORE, EXIT, type Outcome } from './common';
import { addExecutorOptions, executorChoice, SLURM_EXAMPLE, submitToSlurm } from './slurm';

const PROFILE_HELP = Object.values(PROFILES)
  .map((p) => `  ${p.id.padEnd(6)} ${p.description}`)
  .join('\n');

export function addRunCommand(program: Command, outcome: Outcome): void {
  const run = program
    .command('run')
    .description('Run a grid (fig3, fig4, fig6, fig7, several joined with +, or a grid .json file); finished runs are skipped, killed runs resume')
    .argument('<grid>', `grid id(s): ${Object.keys(GRIDS).join(', ')}; e.g. fig4+fig6; or a path to a grid .json`)
    .requiredOption('--data <dataset>', `dataset id: ${DATASET_IDS.join(', ')}`)
    .option('--root <folder>', "the dataset folder (covid-cohen: data/covid-chestxray-cohen-256 by default, as 'prepare' builds it)")
    .option('--data-option <key=value>', 'loader option (repeatable), e.g. labels=covid19 or onBadRow=skip; unknown keys are errors', collect, [])
    .addOption(new Option('--profile <profile>', 'settings profile').choices(Object.keys(PROFILES)).default('quick'))
    .option('--seeds <n>', "number of seeds (default: the profile's)", positiveInt('--seeds'))
    .option('--workers <n>', 'worker processes (0 = in this process; at most the number of cores)', positiveInt('--workers'), 1)
    .addOption(new Option('--backend <backend>', 'tfjs backend').choices(['auto', 'tensorflow', 'native', 'wasm', 'cpu']).default('auto'))
    .option('--threads <n>', 'compute threads per worker (native, wasm; default RETHINK_THREADS or 1)', positiveInt('--threads'))
    .option('--store <dir>', 'results store directory', DEFAULT_STORE)
    .option('--work-dir <dir>', 'where unfinished runs keep their epoch checkpoints (default ~/.cache/rethink-tl/runs)')
    .addOption(
      new Option('--tl-source <source>', "where TL cells start from: imagenet (the paper's) or cxr (TorchXRayVision's chest-X-ray DenseNet121; other models' TL cells are then unavailable)")
        .choices([...TL_SOURCES]),
    )
    .option('--weights <name=path>', `pretrained weights by model id (${MODEL_IDS.join(', ')}), for the grid's TL source, or keras-cache=<dir> (repeatable)`, collect, [])
    .option('--no-retry-failed', 'do not rerun runs whose last attempt failed')
    .option('--dry-run', 'plan and record unavailable cells only (slurm: and print the batch script)')
    .option('--cells <names>', 'only these cells of the grid(s), comma-separated, e.g. ResNet50K-TL,ResNet50K-RI (the same runs as in the whole grid)')
    .option('--fractions <list>', 'only these training fractions, comma-separated, e.g. 0.01,0.05 (the same runs as in the whole grid)', fractionList)
    .addHelpText('after', `\nProfiles:\n${PROFILE_HELP}\n\nExamples:\n  rethink-tl run fig4+fig6 --data covid-cohen --profile quick --workers 2\n  rethink-tl run fig4 --data covid-cohen --tl-source cxr   # TL from chest X-rays\n${SLURM_EXAMPLE}`)
    .action(async (gridArg: string, opts, command: Command) => {
      const chosen = opts.cells !== undefined ? selectCells(parseGrids(gridArg), String(opts.cells).split(',')) : parseGrids(gridArg);
      const grids = opts.tlSource ? chosen.map((g) => withTlSource(g, opts.tlSource)) : chosen;
      const dataset = parseDataset(opts.data, opts.root, opts.dataOption);
      const executor = executorChoice(command);
      if (executor.executor === 'slurm') return submitToSlurm({ grids, dataset, slurm: executor.slurm, opts });
      const { workers, note } = workerCount(opts.workers);
      if (note) process.stderr.write(`rethink-tl: ${note}\n`);
      const storeDir = path.resolve(opts.store);
      const view = createProgressView();
      let result;
      try {
        result = await runGrid({
          grids,
          dataset,
          profile: getProfile(opts.profile),
          ...(opts.seeds !== undefined ? { seeds: opts.seeds } : {}),
          ...(opts.fractions !== undefined ? { fractions: opts.fractions } : {}),
          workers,
          storeDir,
          ...(opts.workDir ? { workDir: path.resolve(opts.workDir) } : {}),
          weights: parseWeights(opts.weights),
          backend: opts.backend,
          ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
          retryFailed: opts.retryFailed,
          dryRun: !!opts.dryRun,
          onEvent: (e) => view.onEvent(e),
        });
      } finally {
        view.stop();
      }
      process.stdout.write(
        `\n${result.ok} finished, ${result.failed} failed, ${result.unavailable} unavailable here, ${result.alreadyDone} already in the store` +
          `${result.inUse > 0 ? `, ${result.inUse} left to the other process training them` : ''}; ` +
          `${result.wallSeconds.toFixed(0)} s wall\n`,
      );
      const touched = new Set(result.plan.runs.concat(result.plan.unavailable.map((u) => u.spec)).map((r) => r.configHash));
      const records = readStoreFile(path.join(storeDir, STORE_FILE)).records.filter((r) => touched.has(r.configHash));
      process.stdout.write(`${statusTable(summarizeRuns(records, { bootstrap: 200 }))}\n`);
      if (result.failed > 0) outcome.code = EXIT.runsFailed;
    });
  addExecutorOptions(run);
}
