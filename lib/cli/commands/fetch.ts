/** Commands that bring inputs onto this machine: `prepare` (a dataset) and `weights` (a model's pretrained source). */
import * as path from 'node:path';
import type { Command } from 'commander';
import { RethinkError } from '../../errors';
import { prepareCovidCohen, verifyPreparedFolder } from '../../data/prepare-covid';
import { defaultDatasetRoot } from '../../data/registry';
import { isModelId, MODEL_IDS, MODELS } from '../../models/registry';

function addPrepare(program: Command): void {
  program
    .command('prepare')
    .description('Build a dataset folder from its public sources (covid-cohen: downloads the pinned images, checks each sha256)')
    .argument('<dataset>', 'covid-cohen')
    .option('--out <folder>', 'folder to create (the notebooks and `run --data covid-cohen` look there by default)', defaultDatasetRoot('covid-cohen') ?? undefined)
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
}

/** Models whose pretrained source can be fetched (the others need a file only their owner has). */
const FETCHABLE = MODEL_IDS.filter((id) => MODELS[id].pretrained.imagenet.fetch !== undefined);

function addWeights(program: Command): void {
  program
    .command('weights')
    .description(`Fetch and verify a model's pretrained weights into the cache (${FETCHABLE.map((id) => `${id}: ${MODELS[id].pretrained.imagenet.title}`).join('; ')})`)
    .argument('<model>', FETCHABLE.join(' | '))
    .option('--cache-dir <dir>', 'weights cache (default ~/.cache/rethink-tl/weights or $RETHINK_CACHE/weights; torchvision .pth files go to <dir>/hub/checkpoints, and a copy in torch\'s own hub cache is used)')
    .action(async (name: string, opts) => {
      const source = isModelId(name) ? MODELS[name].pretrained.imagenet : undefined;
      if (!source?.fetch) throw new RethinkError(`weights: no fetchable weights for '${name}' (${FETCHABLE.join(', ')}); others: --weights <model>=<file> on 'run'`);
      const log = (line: string): void => {
        process.stderr.write(`${line}\n`);
      };
      const got = await source.fetch({ ...(opts.cacheDir ? { cacheDir: path.resolve(opts.cacheDir) } : {}), log });
      process.stdout.write(`${got.path}${got.sha256 ? ` sha256 ${got.sha256}` : ''}\n`);
    });
}

export function addFetchCommands(program: Command): void {
  addPrepare(program);
  addWeights(program);
}
