import { describe, expect, it } from 'vitest';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDataset, parseGrids, selectCells } from '../../lib/cli/options';
import { planRuns } from '../../lib/experiments/plan';
import { getProfile } from '../../lib/experiments/profiles';
import { ConfigError } from '../../lib/errors';

describe('--data-option parsing', () => {
  it('turns a single value of a list option into a one-element list', () => {
    const ref = parseDataset('csv', '/data/x', ['labelColumns=covid19', 'csv=labels.csv']);
    expect(ref.options).toMatchObject({ labelColumns: ['covid19'], csv: 'labels.csv', root: '/data/x' });
  });

  it('splits comma lists, reads JSON, numbers and booleans', () => {
    const ref = parseDataset('synthetic-cxr', undefined, ['labels=a, b', 'n=120', 'frontalOnly=true', 'extra={"k":[1,2]}']);
    expect(ref.options).toEqual({ labels: ['a', 'b'], n: 120, frontalOnly: true, extra: { k: [1, 2] } });
  });

  it('names the option when its JSON is broken', () => {
    expect(() => parseDataset('synthetic-cxr', undefined, ['labels=[1,'])).toThrow(ConfigError);
    expect(() => parseDataset('synthetic-cxr', undefined, ['labels=[1,'])).toThrow(/--data-option labels/);
  });
});

describe('--cells', () => {
  it('keeps only the named cells, drops emptied grids, and names unknown cells with the valid ones', () => {
    const grids = parseGrids('fig4+fig6');
    const picked = selectCells(grids, ['ResNet50K-TL', ' ResNet50K-RI', 'ResNet50K-T2']);
    expect(picked.map((g) => [g.id, g.cells.map((c) => c.name)])).toEqual([
      ['fig4', ['ResNet50K-TL', 'ResNet50K-RI']],
      ['fig6', ['ResNet50K-T2']],
    ]);
    expect(selectCells(grids, ['CBR-Tiny-RI']).map((g) => g.id)).toEqual(['fig4']);
    expect(() => selectCells(grids, ['ResNet50K-T9'])).toThrow(/'ResNet50K-T9' is not a cell of fig4\+fig6 \(cells: DenseNet121-TL, /);
    expect(() => selectCells(grids, [''])).toThrow(ConfigError);
  });

  it('plans exactly the runs (same configuration hashes) the whole grid plans for those cells', async () => {
    const common = {
      dataset: { id: 'synthetic-cxr', options: { n: 80 } },
      profile: getProfile('quick'),
      seeds: 2,
      workDir: path.join(os.tmpdir(), 'rethink-cells-test'),
    };
    const whole = await planRuns({ ...common, grids: parseGrids('fig4') });
    const some = await planRuns({ ...common, grids: selectCells(parseGrids('fig4'), ['ResNet50K-TL', 'CBR-Small-RI']) });
    const hashes = (plan: typeof whole, names: string[]) =>
      [...plan.runs, ...plan.unavailable.map((u) => u.spec)].filter((r) => names.includes(r.cellName)).map((r) => r.configHash).sort();
    const picked = hashes(some, ['ResNet50K-TL', 'CBR-Small-RI']);
    expect(picked).toHaveLength(2 * 2 * whole.fractions.fractions.length);
    expect(picked).toEqual(hashes(whole, ['ResNet50K-TL', 'CBR-Small-RI']));
  });
});
