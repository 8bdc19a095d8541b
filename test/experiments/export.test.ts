import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportCsv, resultRows, resultsFrame } from '../../lib/experiments/export';
import { readStoreFile } from '../../lib/experiments/store';

const records = readStoreFile(path.resolve(__dirname, '../../results/runs.jsonl')).records;

describe('results exports', () => {
  it('the CSV and the DataFrame hold the same rows and columns (one per run x label)', () => {
    const csv = exportCsv(records).trim().split('\n');
    const frame = resultsFrame(records);
    expect(frame.columns).toEqual(csv[0]!.split(','));
    expect(frame.shape[0]).toBe(csv.length - 1);
    expect(frame.shape[0]).toBe(resultRows(records).length);
  });

  it('groups like a DataFrame: mean test AUROC of a cell over its seeds', () => {
    const frame = resultsFrame(records);
    const ok = frame.query(frame['status'].eq('ok').and(frame['grid'].eq('fig4')).and(frame['profile'].eq('quick')).and(frame['dataset'].eq('covid-cohen')));
    const grouped = ok.groupby(['cell', 'fraction']).col(['auroc']).mean();
    const rows = grouped.values as Array<[string, number, number]>;
    const tl = rows.find(([cell, fraction]) => cell === 'ResNet50K-TL' && fraction === 1)!;
    const direct = records.filter((r) => r.status === 'ok' && r.grid === 'fig4' && r.config.profile === 'quick' && r.config.dataset.id === 'covid-cohen' && r.cellName === 'ResNet50K-TL' && r.config.fraction === 1);
    expect(direct.length).toBeGreaterThan(1);
    expect(tl[2]).toBeCloseTo(direct.reduce((a, r) => a + r.test![0]!.auroc!, 0) / direct.length, 10);
  });
});
