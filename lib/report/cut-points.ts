/**
 * Figure 5: where DenseNet121 is cut (T1, T2, T3, F) and what each truncated network keeps, computed from a
 * built model's description (`describeModel(densenet121(...))`), never typed in.
 *
 * The cuts follow the 2021 page's figure: right after transition 1, 2, 3 (its 1x1 conv + 2x2 average pool), and
 * F = the whole feature extractor through `norm5` (paper/paper-facts.md §2.1-2.2). The classifier put on a cut is not
 * settled for v1 (the 2022 code flattens the feature map into one Linear; the v1 figure says "pool+linear"), so
 * both head sizes are reported.
 */
import { ReportInputError } from './errors';
import { DENSENET_CUTS } from '../models/densenet';
import { defaultStageOf, type ModelDescription, type StageDescription } from '../models/params';
import { TRUNCATIONS, type CutPoints, type Truncation } from '../models/types';

export interface HeadSize {
  /** Inputs to the Linear layer. */
  inputs: number;
  /** Weights + biases of Linear(inputs, numClasses). */
  params: number;
}

export interface CutPoint {
  level: Truncation;
  /** Last stage kept. */
  afterStage: string;
  stagesKept: string[];
  /** Feature map at the cut, [H, W, C] (NHWC, as tfjs and describeModel report it). */
  featureShape: number[];
  /** Parameters of the kept backbone (learnable weights; BN running statistics excluded, as torch counts). */
  backboneParams: number;
  /** backboneParams / the full feature extractor's (F). */
  fractionOfFull: number;
  /** Flatten -> Linear on the feature map (the 2022 code). */
  flattenHead: HeadSize;
  /** Global average pool -> Linear (torchvision's own head; the v1 figure's "pool+linear"). */
  poolHead: HeadSize;
}

export interface CutPointOptions {
  /** Output units of the head: 13 for the paper's CheXpert labels, 1 for binary COVID (default 1). */
  numClasses?: number;
}

const product = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);

/** Cut points of a full DenseNet121 description. Throws if a cut's stage is missing (not a DenseNet121). */
export function densenetCutPoints(desc: ModelDescription, options: CutPointOptions = {}): CutPoint[] {
  return cutPoints(desc, DENSENET_CUTS, options);
}

/**
 * What each truncation keeps of a described model, given its cut layers (a registry entry's `cuts`): the stage a
 * cut ends (`defaultStageOf` its layer), the kept parameters, the feature map and both head sizes.
 */
export function cutPoints(desc: ModelDescription, cuts: CutPoints, options: CutPointOptions = {}): CutPoint[] {
  const numClasses = options.numClasses ?? 1;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ReportInputError(`cutPoints: numClasses must be a positive integer, got ${numClasses}`, {
      field: 'numClasses',
    });
  }
  const indexOf = (level: Truncation): number => {
    const stage = defaultStageOf(cuts[level]) ?? cuts[level];
    const i = desc.stages.findIndex((s) => s.name === stage);
    if (i < 0) {
      throw new ReportInputError(
        `cutPoints: model '${desc.name}' has no stage '${stage}' (cut ${level}); stages are ` +
          desc.stages.map((s) => s.name).join(', '),
        { key: stage },
      );
    }
    return i;
  };
  const kept = (level: Truncation): StageDescription[] => desc.stages.slice(0, indexOf(level) + 1);
  const paramsOf = (stages: StageDescription[]): number => stages.reduce((a, s) => a + s.params, 0);
  const fullParams = paramsOf(kept('F'));

  return TRUNCATIONS.map((level) => {
    const stages = kept(level);
    const last = stages[stages.length - 1];
    const shape = last.outputShape;
    if (shape.length !== 3 || shape.some((d) => !(d > 0))) {
      throw new ReportInputError(
        `cutPoints: stage '${last.name}' output shape [${shape.join(', ')}] is not a concrete [H, W, C]`,
        { key: last.name },
      );
    }
    const flatInputs = product(shape);
    const channels = shape[2];
    const backboneParams = paramsOf(stages);
    return {
      level,
      afterStage: last.name,
      stagesKept: stages.map((s) => s.name),
      featureShape: [...shape],
      backboneParams,
      fractionOfFull: backboneParams / fullParams,
      flattenHead: { inputs: flatInputs, params: (flatInputs + 1) * numClasses },
      poolHead: { inputs: channels, params: (channels + 1) * numClasses },
    };
  });
}

/** A markdown table of the cut points, for the Figure 5 notebook. */
export function cutPointsMarkdown(cuts: CutPoint[], inputSize: number, numClasses: number): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const lines = [
    `| cut | kept through | feature map (C×H×W) at ${inputSize} px | backbone params | share of F | ` +
      `Flatten→Linear(${numClasses}) | GAP→Linear(${numClasses}) |`,
    '|---|---|---|---|---|---|---|',
  ];
  for (const c of cuts) {
    const [h, w, ch] = c.featureShape;
    lines.push(
      `| ${c.level} | ${c.afterStage} | ${ch}×${h}×${w} | ${n(c.backboneParams)} | ` +
        `${(100 * c.fractionOfFull).toFixed(1)}% | ${n(c.flattenHead.params)} (${n(c.flattenHead.inputs)} inputs) | ` +
        `${n(c.poolHead.params)} |`,
    );
  }
  return lines.join('\n');
}
