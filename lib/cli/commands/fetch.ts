/** Commands that bring inputs onto this machine: `prepare` (a dataset) and `weights` (a model's pretrained source). */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { RethinkError } from '../../errors';
import { verifyPreparedFolder } from '../../data/prepare-covid';
import { DATASET_IDS, DATASETS, defaultDatasetRoot, isDatasetId } from '../../data/registry';
import { isModelId, MODEL_IDS, pretrainedSource, TL_SOURCES, type ModelId, type TlSource } from '../../models/registry';

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

/** Pretrained sources that can be fetched, as `<model> [--source <name>]` (the others need a file only their owner has). */
const FETCHABLE: Array<{ id: ModelId; source: TlSource; usage: string }> = MODEL_IDS.flatMap((id) =>
  TL_SOURCES.filter((source) => pretrainedSource(id, source)?.fetch !== undefined).map((source) => ({
    id,
    source,
    usage: source === 'imagenet' ? id : `${id} --source ${source}`,
  })),
);

function addWeights(program: Command): void {
  program
    .command('weights')
    .description(`Fetch and verify a model's pretrained weights into the cache (${FETCHABLE.map((f) => `${f.usage}: ${pretrainedSource(f.id, f.source)!.title}`).join('; ')})`)
    .argument('<model>', [...new Set(FETCHABLE.map((f) => f.id))].join(' | '))
    .addOption(new Option('--source <source>', "which of the model's pretrained sources").choices([...TL_SOURCES]).default('imagenet'))
    .option(
      '--cache-dir <dir>',
      'weights cache (default ~/.cache/rethink-tl/weights or $RETHINK_CACHE/weights; .pth/.pt files go to <dir>/hub/checkpoints, and a copy in ' +
        "torch's own hub cache or TorchXRayVision's ~/.torchxrayvision/models_data is used after checking it)",
    )
    .action(async (name: string, opts) => {
      const source = isModelId(name) ? pretrainedSource(name, opts.source as TlSource) : null;
      if (!source?.fetch) {
        throw new RethinkError(
          `weights: no fetchable '${opts.source}' weights for '${name}' (fetchable: ${FETCHABLE.map((f) => f.usage).join(', ')}); others: --weights <model>=<file> on 'run'`,
        );
      }
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
