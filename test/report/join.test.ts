import { describe, expect, it } from 'vitest';
import { comparisonMarkdown, comparisonSummary, joinWithPaper, parsePaperValues } from '../../lib/report';
import { loadPaperValues } from '../../lib/report/io/index';
import { cell } from './cells';

const paper = loadPaperValues();

describe('joinWithPaper', () => {
  it('matches CheXpert labels by full name, whatever their spelling, and computes ours - paper', () => {
    const ours = [
      cell({ figure: 'fig3', model: 'DenseNet121', init: 'TL', label: 'Enlarged Cardiomediastinum', metric: 'AUROC', mean: 0.63 }),
      cell({ figure: 'fig3', model: 'DenseNet121', init: 'RI', label: 'pleural_other', metric: 'AUPRC', mean: 0.05 }),
    ];
    const rows = joinWithPaper(ours, paper, { includePaperOnly: false });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ match: 'matched', labelShort: 'EC', contender: 'DenseNet121-TL', paper: { mean: 0.623, halfwidth: 0.003 } });
    expect(rows[0].difference).toBeCloseTo(0.007, 12);
    // paper-facts §5.1: DenseNet121-RI, PO, AUPRC = 0.054 ± 0.009
    expect(rows[1]).toMatchObject({ match: 'matched', labelShort: 'PO', paper: { mean: 0.054, halfwidth: 0.009 } });
    expect(rows[1].difference).toBeCloseTo(-0.004, 12);
  });

  it('joins COVID bars only at fractions the paper has, and says which it has', () => {
    const ours = [0.25, 0.5, 1].map((fraction) =>
      cell({ figure: 'fig4', model: 'CBR-Small', init: 'RI', label: 'covid19', metric: 'AUROC', fraction, mean: 0.7 }),
    );
    const rows = joinWithPaper(ours, paper, { includePaperOnly: false });
    expect(rows.map((r) => r.match)).toEqual(['ours-only', 'ours-only', 'matched']);
    expect(rows[0].note).toBe('no paper bar at 25% of the training data (the paper has 5%, 10%, 100%)');
    expect(rows[0].difference).toBeUndefined();
    // paper-facts §5.3: CBR-Small RI 100% AUROC 0.848 ± 0.009
    expect(rows[2].paper).toEqual({ mean: 0.848, halfwidth: 0.009 });
    expect(rows[2].difference).toBeCloseTo(0.7 - 0.848, 12);
  });

  it('treats the full DenseNet121 of Fig. 4 (untruncated) and Fig. 6 (level F) as the same network', () => {
    const f = cell({ figure: 'fig6', model: 'DenseNet121', truncation: 'F', label: 'covid19', metric: 'AUPRC', fraction: 1, mean: 0.7 });
    const [row] = joinWithPaper([f], paper, { includePaperOnly: false });
    expect(row.match).toBe('matched');
    expect(row.paper?.mean).toBe(0.72); // "DenseNet121 (F)" 100% AUPRC
    expect(row.contender).toBe('Dens-F-TL');
  });

  it('marks bars the paper never drew, and keeps paper bars we did not run', () => {
    const ours = [
      cell({ figure: 'fig4', model: 'ResNet50', init: 'TL', label: 'covid19', metric: 'AUROC', fraction: 1 }),
      cell({ figure: 'fig4', model: 'CBR-Tiny', init: 'TL', label: 'covid19', metric: 'AUROC', fraction: 1, mean: 0.8 }),
    ];
    const rows = joinWithPaper(ours, paper);
    expect(rows[0]).toMatchObject({ match: 'ours-only', note: "the paper's fig4 has no ResNet50-TL" });
    const paperOnly = rows.filter((r) => r.match === 'paper-only');
    // fig4 has 60 paper bars; one was matched.
    expect(paperOnly).toHaveLength(59);
    expect(paperOnly.every((r) => r.figure === 'fig4' && r.note === 'not run here' && r.ours === undefined)).toBe(true);
    // The binary task's label is named as our cells name it.
    expect(new Set(paperOnly.map((r) => r.label))).toEqual(new Set(['covid19']));
  });

  it('does not compute a difference for a bar that is not ok, and says why', () => {
    const ours = [
      cell({ figure: 'fig3', model: 'ResNet50', init: 'TL', label: 'Fracture', metric: 'AUROC', status: 'unavailable', mean: NaN, reason: 'no ImageNet weights' }),
    ];
    const [row] = joinWithPaper(ours, paper, { includePaperOnly: false });
    expect(row.match).toBe('matched');
    expect(row.difference).toBeUndefined();
    expect(row.note).toBe('ours unavailable: no ImageNet weights');
  });

  it('names the label when the paper figure does not have it (synthetic labels on a CheXpert figure)', () => {
    const ours = [cell({ figure: 'fig7', model: 'CBR-Small', label: 'opacity', metric: 'AUROC' })];
    const [row] = joinWithPaper(ours, paper, { includePaperOnly: false });
    expect(row).toMatchObject({ match: 'ours-only', note: "the paper's fig7 has no label 'opacity'" });
  });

  it('uses each paper bar at most once', () => {
    const text = 'figure,dataset,metric,model,column,mean,halfwidth\nfig3_chexpert_tl_vs_ri,CheXpert,AUROC,CBR-Tiny-TL,EC,0.5,0.01\n';
    const one = parsePaperValues(text);
    const ours = [
      cell({ figure: 'fig3', model: 'CBR-Tiny', label: 'Enlarged Cardiomediastinum', metric: 'AUROC' }),
      cell({ figure: 'fig3', model: 'CBR-Tiny', label: 'enlarged cardiomediastinum', metric: 'AUROC' }),
    ];
    expect(joinWithPaper(ours, one).map((r) => r.match)).toEqual(['matched', 'ours-only']);
  });
});

describe('comparisonMarkdown', () => {
  it('renders ours, the paper and the signed difference, one row per bar', () => {
    const ours = [
      cell({ figure: 'fig4', model: 'DenseNet121', init: 'TL', label: 'covid19', metric: 'AUROC', fraction: 0.05, mean: 0.8, spread: 0.02, n: 3 }),
      cell({ figure: 'fig4', model: 'DenseNet121', init: 'RI', label: 'covid19', metric: 'AUROC', fraction: 0.05, mean: 0.7, n: 1, spread: 0 }),
    ];
    const rows = joinWithPaper(ours, paper, { includePaperOnly: false });
    const md = comparisonMarkdown(rows).split('\n');
    expect(md[0]).toBe('| bar | label | fraction | metric | ours | paper | ours − paper | note |');
    // paper-facts §5.3: DenseNet121 TL 5% 0.785 ± 0.016, RI 5% 0.773 ± 0.005
    expect(md[2]).toBe('| DenseNet121-TL | covid19 | 5% | AUROC | 0.800 ± 0.020 (n=3) | 0.785 ± 0.016 | +0.015 |  |');
    expect(md[3]).toBe('| DenseNet121-RI | covid19 | 5% | AUROC | 0.700 (n=1) | 0.773 ± 0.005 | −0.073 |  |');
    expect(comparisonSummary(rows)).toEqual({ matched: 2, oursOnly: 0, paperOnly: 0, meanAbsDifference: expect.closeTo(0.044, 12) });
  });
});

describe('comparisonMarkdown filters', () => {
  it('keeps only the requested kinds of rows and one metric', () => {
    const ours = [
      cell({ figure: 'fig4', model: 'CBR-Small', init: 'RI', label: 'covid19', metric: 'AUROC', fraction: 0.25 }),
      cell({ figure: 'fig4', model: 'CBR-Small', init: 'RI', label: 'covid19', metric: 'AUROC', fraction: 1 }),
    ];
    const rows = joinWithPaper(ours, paper);
    const md = comparisonMarkdown(rows, { metric: 'AUROC', matches: ['matched'] }).split('\n');
    expect(md).toHaveLength(3);
    expect(md[2]).toMatch(/^\| CBR-Small-RI \| covid19 \| 100% \| AUROC \|/);
    // 60 fig4 paper bars: 1 matched, 30 AUROC of which 29 are paper-only; plus our 25% bar.
    expect(comparisonMarkdown(rows, { metric: 'AUROC' }).split('\n')).toHaveLength(2 + 2 + 29);
  });
});
