import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../lib/errors';
import { parsePaperValues } from '../../lib/report';
import { DEFAULT_PAPER_VALUES_PATH, loadPaperValues } from '../../lib/report/io/index';

describe('loadPaperValues (paper/paper-figures-v1.csv)', () => {
  const rows = loadPaperValues();

  it('is a byte-for-byte copy of the shared digitisation when that is present', () => {
    const shared = path.resolve(process.env.RETHINK_SHARED ?? path.resolve(__dirname, '../../../shared'), 'paper/paper-figures-digitised.csv');
    let original: string | undefined;
    try {
      original = readFileSync(shared, 'utf8');
    } catch {
      return; // a fresh clone without the shared notes: nothing to compare against
    }
    expect(readFileSync(DEFAULT_PAPER_VALUES_PATH, 'utf8')).toBe(original);
  });

  it('has every bar of the four result figures', () => {
    const count = (figure: string) => rows.filter((r) => r.figure === figure).length;
    // 12 bars x 7 labels, 5 x 6 (init x fraction), 8 x 3 fractions, 5 x 13 labels; x 2 metrics.
    expect(count('fig3')).toBe(168);
    expect(count('fig4')).toBe(60);
    expect(count('fig6')).toBe(48);
    expect(count('fig7')).toBe(130);
  });

  it('maps legend entries and columns to structured keys', () => {
    const find = (pred: (r: (typeof rows)[number]) => boolean) => rows.filter(pred);
    // paper-facts §5.1: ResNet50 on Pt., AUPRC, TL 0.313 vs RI 0.223 (the page's "10% above" claim).
    const pt = find((r) => r.figure === 'fig3' && r.model === 'ResNet50' && r.label === 'Pneumothorax' && r.metric === 'AUPRC');
    expect(pt.map((r) => [r.init, r.mean])).toEqual([
      ['TL', 0.313],
      ['RI', 0.223],
    ]);
    expect(pt[0].labelAbbreviation).toBe('Pt.');

    const fig4 = find((r) => r.figure === 'fig4' && r.model === 'CBR-LargeW' && r.metric === 'AUROC' && r.fraction === 0.1);
    expect(fig4.map((r) => [r.init, r.mean, r.halfwidth])).toEqual([
      ['TL', 0.809, 0.005],
      ['RI', 0.83, 0.003],
    ]);
    expect(fig4[0].label).toBeUndefined();

    const t2 = find((r) => r.figure === 'fig6' && r.truncation === 'T2' && r.metric === 'AUPRC' && r.fraction === 0.05);
    expect(t2).toHaveLength(1);
    expect(t2[0]).toMatchObject({ model: 'DenseNet121', init: 'TL', mean: 0.738 });

    const full = find((r) => r.figure === 'fig6' && r.source.model === 'DenseNet121 (F)');
    expect(new Set(full.map((r) => r.truncation))).toEqual(new Set(['F']));

    const cbr = find((r) => r.figure === 'fig7' && r.source.model === 'CBR (Small)');
    expect(new Set(cbr.map((r) => r.model))).toEqual(new Set(['CBR-Small']));
    expect(new Set(find((r) => r.figure === 'fig7').map((r) => r.label)).size).toBe(13);
  });

  it('keeps the one unreadable error bar as undefined, not zero', () => {
    const po = rows.filter((r) => r.figure === 'fig7' && r.model === 'CBR-Small' && r.labelAbbreviation === 'PO' && r.metric === 'AUPRC');
    expect(po).toHaveLength(1);
    expect(po[0].mean).toBe(0.045);
    expect(po[0].halfwidth).toBeUndefined();
    expect(rows.filter((r) => r.halfwidth === undefined)).toHaveLength(1);
  });
});

describe('parsePaperValues: bad input names the row and field', () => {
  const header = 'figure,dataset,metric,model,column,mean,halfwidth\n';

  it('rejects an unknown figure', () => {
    expect(() => parsePaperValues(header + 'fig9,CheXpert,AUROC,DenseNet121-TL,EC,0.6,0.01\n', 'p.csv')).toThrowError(
      /p\.csv: row 2: field 'figure'/,
    );
  });

  it('rejects an unknown CheXpert abbreviation', () => {
    expect(() =>
      parsePaperValues(header + 'fig3_chexpert_tl_vs_ri,CheXpert,AUROC,DenseNet121-TL,XX,0.6,0.01\n', 'p.csv'),
    ).toThrowError(/row 2: field 'column' 'XX' is not a CheXpert abbreviation/);
  });

  it('rejects a mean outside [0, 1] and an empty mean', () => {
    const bad = header + 'fig3_chexpert_tl_vs_ri,CheXpert,AUROC,DenseNet121-TL,EC,0.6,0.01\nfig3_chexpert_tl_vs_ri,CheXpert,AUROC,DenseNet121-RI,EC,1.6,0.01\n';
    expect(() => parsePaperValues(bad, 'p.csv')).toThrowError(/row 3: field 'mean' must be a number in \[0, 1\]/);
    expect(() => parsePaperValues(header + 'fig4_covid_tl_vs_ri,COVID,AUROC,DenseNet121,TL 5%,,0.01\n')).toThrowError(DataError);
  });

  it('rejects a missing column and a bad COVID column', () => {
    expect(() => parsePaperValues('figure,dataset,metric,model,column,mean\nfig3_chexpert_tl_vs_ri,CheXpert,AUROC,x,EC,0.5\n')).toThrowError(
      /missing column 'halfwidth'/,
    );
    expect(() => parsePaperValues(header + 'fig4_covid_tl_vs_ri,COVID,AUROC,DenseNet121,TL five,0.7,0.01\n')).toThrowError(
      /field 'column' 'TL five'/,
    );
  });

  it('names the file it cannot read', () => {
    expect(() => loadPaperValues('/nonexistent/paper.csv')).toThrowError(/cannot read paper values '\/nonexistent\/paper\.csv'/);
  });
});
