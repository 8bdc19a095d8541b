import { describe, expect, it } from 'vitest';
import { densenet121 } from '../../lib/models/densenet';
import { describeModel, type ModelDescription } from '../../lib/models/params';
import { ReportInputError, cutPointsMarkdown, densenetCutPoints, densenetDiagramFigure } from '../../lib/report';

describe('densenetCutPoints from a built DenseNet121', () => {
  const model = densenet121({ numClasses: 1, inputSize: 224 });
  const desc = describeModel(model);
  model.dispose();
  const cuts = densenetCutPoints(desc, { numClasses: 2 });

  it('matches the torchvision arithmetic of paper-facts §2.2 at 224 px', () => {
    // paper-facts §2.2 (derived from torchvision's densenet121, whose 7,978,856 total it reproduces):
    // backbone params, C×H×W, flatten dim, + Flatten→Linear(2), GAP→Linear(2).
    const expected = [
      ['T1', 'transition1', [28, 28, 128], 377_856, 100_352, 578_562, 378_114],
      ['T2', 'transition2', [14, 14, 256], 1_429_632, 50_176, 1_529_986, 1_430_146],
      ['T3', 'transition3', [7, 7, 512], 4_793_728, 25_088, 4_843_906, 4_794_754],
      ['F', 'norm5', [7, 7, 1024], 6_953_856, 50_176, 7_054_210, 6_955_906],
    ];
    expect(
      cuts.map((c) => [
        c.level,
        c.afterStage,
        c.featureShape,
        c.backboneParams,
        c.flattenHead.inputs,
        c.backboneParams + c.flattenHead.params,
        c.backboneParams + c.poolHead.params,
      ]),
    ).toEqual(expected);
    expect(cuts[3].fractionOfFull).toBe(1);
    expect(cuts[0].fractionOfFull).toBeCloseTo(377_856 / 6_953_856, 12);
    expect(cuts[1].stagesKept).toEqual(['stem', 'denseblock1', 'transition1', 'denseblock2', 'transition2']);
  });

  it('renders a table with the numbers it computed', () => {
    const md = cutPointsMarkdown(cuts, 224, 2).split('\n');
    expect(md).toHaveLength(6);
    expect(md[2]).toBe('| T1 | transition1 | 128×28×28 | 377,856 | 5.4% | 200,706 (100,352 inputs) | 258 |');
  });

  it('follows the input size (feature maps shrink, parameters do not change)', () => {
    const small = densenet121({ numClasses: 1, inputSize: 64 });
    const c64 = densenetCutPoints(describeModel(small));
    small.dispose();
    expect(c64.map((c) => c.featureShape)).toEqual([
      [8, 8, 128],
      [4, 4, 256],
      [2, 2, 512],
      [2, 2, 1024],
    ]);
    expect(c64.map((c) => c.backboneParams)).toEqual(cuts.map((c) => c.backboneParams));
  });
});

describe('densenetCutPoints: input checks', () => {
  const stage = (name: string, outputShape: number[], params: number) => ({ name, firstLayer: name, lastLayer: name, outputShape, params, layers: 1 });

  it('names the missing stage when the model is not a DenseNet121', () => {
    const desc: ModelDescription = {
      name: 'cbr_small',
      inputShape: [224, 224, 3],
      outputShape: [1],
      params: 10,
      stages: [stage('block1', [10, 10, 32], 5), stage('head', [1], 5)],
    };
    expect(() => densenetCutPoints(desc)).toThrowError(ReportInputError);
    expect(() => densenetCutPoints(desc)).toThrowError(/model 'cbr_small' has no stage '(transition1|norm5)' \(cut (T1|F)\); stages are block1, head/);
  });

  it('rejects an unknown (dynamic) feature-map shape and a bad class count', () => {
    const desc: ModelDescription = {
      name: 'dn',
      inputShape: [-1, -1, 3],
      outputShape: [1],
      params: 4,
      stages: ['transition1', 'transition2', 'transition3', 'norm5'].map((n) => stage(n, [-1, -1, 8], 1)),
    };
    expect(() => densenetCutPoints(desc)).toThrowError(/stage 'transition1' output shape \[-1, -1, 8\] is not a concrete/);
    expect(() => densenetCutPoints(desc, { numClasses: 0 })).toThrowError(/numClasses/);
  });
});

describe('densenetDiagramFigure', () => {
  it('draws one box per stage and one dashed line per cut, labelled with the computed numbers', () => {
    const model = densenet121({ numClasses: 1, inputSize: 224 });
    const desc = describeModel(model);
    model.dispose();
    const cuts = densenetCutPoints(desc);
    const fig = densenetDiagramFigure(desc, cuts);
    const shapes = fig.layout.shapes as Array<{ type: string }>;
    expect(shapes.filter((s) => s.type === 'rect')).toHaveLength(desc.stages.length);
    expect(shapes.filter((s) => s.type === 'line')).toHaveLength(4);
    const texts = (fig.layout.annotations as Array<{ text: string }>).map((a) => a.text);
    expect(texts).toContain('<b>T1</b><br>377.9k kept (5%)');
    expect(texts).toContain('<b>F</b><br>6.95M kept (100%)');
    expect(texts).toContain('128×28×28'); // transition1 output
  });
});
