/** Commands that bring inputs onto this machine: `prepare` (a dataset) and `weights` (a model's pretrained source). */
import * as path from 'node:path';
import type { Command } from 'commander';
import { RethinkError } from '../../errors';
import { verifyPreparedFolder } from '../../data/prepare-covid';
import { DATASET_IDS, DATASETS, defaultDatasetRoot, isDatasetId } from '../../data/registry';
import { isModelId, MODEL_IDS, MODELS } from '../../models/registry';

/** Datasets with a public source this project can build their folder from. */
const PREPARABLE = DATASET_IDS.filter((id) => DATASETS[id].prepare !== undefined);

function addPrepare(program: Command): void {
  program
    .command('prepare')
    .description(
      'Build a dataset folder from its public sources, checking every file\'s sha256: covid-cohen (downloads the pinned ' +
        'images), kermany-pneumonia (downloads the pinned 224 px copy, or takes a local copy of it or of the original release)',
    )
    .argument('<dataset>', PREPARABLE.join(' | '))
    .option('--out <folder>', 'folder to create (default: data/<the dataset\'s folder>, where the notebooks and `run --data` look)')
    .option('--from <folder>', 'a local copy of the pinned source files (no download; the same checksums)')
    .option('--from-release <folder>', 'kermany-pneumonia: the original release (chest_xray/), squashed to 224 px as the pinned copy was; a new dataset identity')
    .option('--verify-only', 'only check an existing folder against its SHA256SUMS')
    .action(async (dataset: string, opts) => {
      const prepare = isDatasetId(dataset) ? DATASETS[dataset].prepare : undefined;
      if (!isDatasetId(dataset) || !prepare) {
        throw new RethinkError(
          `prepare: ${PREPARABLE.join(' and ')} can be built from public sources; ${dataset} must be obtained by you (see data-manifests/${dataset}.json)`,
        );
      }
      const out = path.resolve(opts.out ?? defaultDatasetRoot(dataset) ?? dataset);
      if (opts.verifyOnly) {
        process.stdout.write(`${JSON.stringify(await verifyPreparedFolder(out))}\n`);
        return;
      }
      const summary = await prepare({
        out,
        ...(opts.from ? { from: path.resolve(opts.from) } : {}),
        ...(opts.fromRelease ? { fromRelease: path.resolve(opts.fromRelease) } : {}),
        onProgress: (done, total) => process.stderr.write(`\r${done}/${total} images`),
      });
      process.stderr.write('\n');
      process.stdout.write(`${summary}\n`);
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
