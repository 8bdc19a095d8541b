/** Commands that read, prune or compact the results store: `status`, `export`, `forget`, `compact`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { ConfigError } from '../../errors';
import { summarizeRuns } from '../../experiments/aggregate';
import { exportCsv, exportJson } from '../../experiments/export';
import { GRIDS } from '../../experiments/grids';
import { readStoreFile, ResultsStore, STORE_FILE } from '../../experiments/store';
import { tiedScoresReason } from '../../experiments/tied-scores';
import type { RunRecord } from '../../experiments/types';
import { outputFile } from '../options';
import { statusTable } from '../status-table';
import { DEFAULT_STORE, EXIT, type Outcome } from './common';
import { slurmStatus } from './slurm';

/** `--grid <id>` must name a grid: one of the paper's, or one the store holds runs of (a user's grid JSON). */
function checkGridId(id: string, records: RunRecord[]): void {
  const stored = [...new Set(records.map((r) => r.grid))].sort();
  if (id in GRIDS || stored.includes(id)) return;
  throw new ConfigError(`status --grid: unknown grid '${id}' (known: ${Object.keys(GRIDS).join(', ')}; in this store: ${stored.join(', ') || 'none'})`, {
    field: 'grid',
    key: id,
  });
}

function addStatus(program: Command, outcome: Outcome): void {
  program
    .command('status')
    .description('Show what the results store holds: per cell, status, seeds and mean ± sd of test AUROC / AUPRC')
    .option('--store <dir>', 'results store directory', DEFAULT_STORE)
    .option('--grid <id>', 'only this grid')
    .option('--submission <id>', 'the Slurm submission to show (default: the latest, if the store has any)')
    .action((opts) => {
      const file = path.join(path.resolve(opts.store), STORE_FILE);
      const { records, tornBytes } = readStoreFile(file);
      if (tornBytes > 0) process.stderr.write(`note: ${file} ends with an incomplete line (${tornBytes} bytes, an interrupted write); it is ignored\n`);
      if (opts.grid !== undefined) checkGridId(opts.grid, records);
      if (records.length === 0) {
        process.stdout.write(`no runs in ${file}\n`);
      } else {
        const summaries = summarizeRuns(records, { bootstrap: 200 }).filter((s) => opts.grid === undefined || s.grid === opts.grid);
        process.stdout.write(`${file}: ${records.length} records, ${summaries.length} cells\n${statusTable(summaries)}\n`);
        if (summaries.some((s) => s.status === 'failed' || s.status === 'partial')) outcome.code = EXIT.runsFailed;
      }
      slurmStatus(path.resolve(opts.store), opts.submission, outcome);
    });
}

function addExport(program: Command): void {
  program
    .command('export')
    .description('Export the store: csv (one row per run x label) or json (per-cell summaries, or raw runs with --runs)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--runs', 'json: the latest record per run instead of per-cell summaries')
    .option('--store <dir>', 'results store directory', DEFAULT_STORE)
    .option('--out <file>', 'write to a file (in an existing folder) instead of stdout')
    .action((opts) => {
      const out = opts.out !== undefined ? outputFile(opts.out) : undefined;
      const { records } = readStoreFile(path.join(path.resolve(opts.store), STORE_FILE));
      const text = opts.format === 'csv' ? exportCsv(records) : exportJson(records, opts.runs ? 'runs' : 'summary');
      if (out) fs.writeFileSync(out, text);
      else process.stdout.write(text);
    });
}

function forgetTiedScores(dir: string, dryRun: boolean): void {
  const report = (affected: RunRecord[], verb: string): void => {
    for (const r of affected) {
      process.stdout.write(`${verb} ${r.grid} ${r.cellName} ${r.config.profile} ${r.config.dataset.id} fraction ${r.config.fraction} seed ${r.seed}: ${tiedScoresReason(r)}\n`);
    }
  };
  if (dryRun) {
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
}

function addForget(program: Command): void {
  program
    .command('forget')
    .description('Drop runs from the store so the next `run` trains them again; --tied-scores: runs ranked by tied float32 probabilities (before metrics ranked by logits)')
    .requiredOption('--tied-scores', 'forget finished runs whose test probabilities tie or whose validation AUROC was exactly 0.5, recorded without logits')
    .option('--store <dir>', 'results store directory', DEFAULT_STORE)
    .option('--dry-run', 'list what would be forgotten, change nothing')
    .action((opts) => forgetTiedScores(path.resolve(opts.store), !!opts.dryRun));
}

function addCompact(program: Command): void {
  program
    .command('compact')
    .description('Rewrite the store in the current line format: each test set\'s ids and labels once, logits at float32 precision (records read back the same)')
    .option('--store <dir>', 'results store directory', DEFAULT_STORE)
    .action((opts) => {
      const file = path.join(path.resolve(opts.store), STORE_FILE);
      if (!fs.existsSync(file)) throw new ConfigError(`compact --store: there is no results store at ${file}`, { field: 'store', file });
      const store = ResultsStore.open(path.resolve(opts.store));
      try {
        const { records, before, after } = store.compact();
        const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;
        process.stdout.write(`${store.file}: ${records} records, ${mb(before)} -> ${mb(after)}\n`);
      } finally {
        store.close();
      }
    });
}

export function addStoreCommands(program: Command, outcome: Outcome): void {
  addStatus(program, outcome);
  addForget(program);
  addCompact(program);
  addExport(program);
}
