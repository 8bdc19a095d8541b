import { describe, expect, it } from 'vitest';
import { axis, baseLayout, breakAtSeams, figureTitle } from '../../lib/plots/style';

describe('breakAtSeams', () => {
  it('breaks at the preferred seam that fits, before a parenthesis and after other punctuation', () => {
    expect(breakAtSeams('Fig. 6 — truncated TL, COVID: AUROC (mean ± SD over seeds; ◆ paper, digitised)', 70)).toEqual([
      'Fig. 6 — truncated TL, COVID: AUROC',
      '(mean ± SD over seeds; ◆ paper, digitised)',
    ]);
    expect(breakAtSeams('Images per view', 70)).toEqual(['Images per view']);
    expect(breakAtSeams('Precision: the share of flagged cases that are positive, at every threshold', 40)).toEqual([
      'Precision:',
      'the share of flagged cases that are positive, at every threshold',
    ]);
    expect(breakAtSeams('ResNet50K-T1', 8)).toEqual(['ResNet50K-T1']);
  });
});

describe('figureTitle', () => {
  it('joins the lines with <br> and counts them for the top margin', () => {
    expect(figureTitle(undefined)).toEqual({ title: undefined, lines: 0 });
    expect(figureTitle('Short')).toEqual({ title: { text: 'Short' }, lines: 1 });
    expect(figureTitle('Label prevalence = AUPRC of a random ranking (its AUROC is 0.5 at any prevalence)')).toEqual({
      title: { text: 'Label prevalence = AUPRC of a random ranking<br>(its AUROC is 0.5 at any prevalence)' },
      lines: 2,
    });
  });
});

describe('shared layout', () => {
  it('lets axes grow the margins and keeps every tick label', () => {
    expect(axis('AUROC')).toMatchObject({ automargin: true, ticklabeloverflow: 'allow' });
  });

  it('anchors the legend to the bottom of the figure, below any tick labels', () => {
    expect(baseLayout().legend).toMatchObject({ orientation: 'h', yref: 'container', y: 0, yanchor: 'bottom' });
  });
});
