import { describe, expect, it } from 'vitest';
import * as os from 'node:os';
import * as path from 'node:path';
import { fractionList, parseDataset, parseGrids, selectCells, workerCount } from '../../lib/cli/options';
import { loadDataset } from '../../lib/data/registry';
import { planRuns } from '../../lib/experiments/plan';
import { getProfile } from '../../lib/experiments/profiles';
import { ConfigError } from '../../lib/errors';

describe('--data-option parsing', () => {
  it('turns a single value of a list option into a one-element list', () => {
    const ref = parseDataset('csv', '/data/x', ['labelColumns=covid19', 'csv=labels.csv']);
    expect(ref.options).toMatchObject({ labelColumns: ['covid19'], csv: 'labels.csv', root: '/data/x' });
  });

  it("reads each value as its option's kind: comma lists, numbers, booleans, JSON", () => {
    const csv = parseDataset('csv', '/data/x', ['csv=l.csv', 'labelColumns=a, b', 'views=["PA","AP"]', 'viewColumn=view']);
    expect(csv.options).toEqual({ root: '/data/x', csv: 'l.csv', labelColumns: ['a', 'b'], views: ['PA', 'AP'], viewColumn: 'view' });
    const chexpert = parseDataset('chexpert-v1.0-small', '/c', ['split=train', 'policy=u-ones', 'frontalOnly=true']);
    expect(chexpert.options).toMatchObject({ frontalOnly: true });
    expect(parseDataset('synthetic-cxr', undefined, ['n=120', 'prevalence=0.25']).options).toEqual({ n: 120, prevalence: 0.25 });
  });

  it('names the option when its JSON is broken', () => {
    expect(() => parseDataset('csv', '/x', ['labelColumns=[1,'])).toThrow(ConfigError);
    expect(() => parseDataset('csv', '/x', ['labelColumns=[1,'])).toThrow(/--data-option labelColumns/);
  });

  it('an unknown key is an error naming it and the keys there are (a typo must not train on the default)', () => {
    expect(() => parseDataset('covid-cohen', '/x', ['label=pneumonia'])).toThrow(ConfigError);
    expect(() => parseDataset('covid-cohen', '/x', ['label=pneumonia'])).toThrow(/unknown key 'label' \(known: root, labels, onBadRow, imageCheck\)/);
    expect(() => parseDataset('synthetic-cxr', undefined, ['frontalOnly=true'])).toThrow(/unknown key 'frontalOnly'/);
  });

  it('enum values are checked: a typo of onBadRow or imageCheck is an error, not row skipping', () => {
    expect(() => parseDataset('covid-cohen', '/x', ['onBadRow=Skip'])).toThrow(/onBadRow: expected 'fail' \| 'skip', got 'Skip'/);
    expect(() => parseDataset('covid-cohen', '/x', ['imageCheck=bogus'])).toThrow(/imageCheck: expected 'none' \| 'exists' \| 'decode', got 'bogus'/);
    expect(() => parseDataset('synthetic-cxr', undefined, ['n=many'])).toThrow(/n: expected number, got 'many'/);
    expect(parseDataset('covid-cohen', '/x', ['onBadRow=skip', 'imageCheck=decode']).options).toMatchObject({ onBadRow: 'skip', imageCheck: 'decode' });
  });

  it('the same checks hold for loader options given in code', async () => {
    await expect(loadDataset('covid-cohen', { root: '/x', onBadRow: 'bogus' } as never)).rejects.toThrow(/covid-cohen options: onBadRow: expected 'fail' \| 'skip', got 'bogus'/);
    await expect(loadDataset('synthetic-cxr', { n: 10, label: 'x' } as never)).rejects.toThrow(/synthetic-cxr options: unknown key 'label'/);
  });
});

describe('--workers', () => {
  it('caps a request above the core count at the core count, with a note saying so', () => {
    expect(workerCount(2, 4)).toEqual({ workers: 2 });
    expect(workerCount(0, 4)).toEqual({ workers: 0 });
    expect(workerCount(999, 2)).toEqual({ workers: 2, note: '--workers 999: this machine has 2 cores; using 2 workers' });
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

describe('--fractions', () => {
  it('reads a comma-separated list and names a value outside (0, 1]', () => {
    expect(fractionList('0.01, 0.05')).toEqual([0.01, 0.05]);
    expect(() => fractionList('0.5,1.5')).toThrow(/'1.5' is not a fraction in \(0, 1\]/);
    expect(() => fractionList('a')).toThrow(ConfigError);
    expect(() => fractionList(',')).toThrow(/at least one fraction/);
  });

  it('plans only those fractions, as the same runs (hashes) the whole grid plans, and names a fraction not planned', async () => {
    const common = {
      dataset: { id: 'synthetic-cxr', options: { n: 80 } },
      profile: getProfile('quick'),
      seeds: 1,
      grids: parseGrids('fig4'),
      workDir: path.join(os.tmpdir(), 'rethink-fractions-test'),
    };
    const whole = await planRuns(common);
    const ladder = whole.fractions.fractions;
    const smallest = ladder[0]!;
    const some = await planRuns({ ...common, fractions: [smallest] });
    const all = (plan: typeof whole) => [...plan.runs, ...plan.unavailable.map((u) => u.spec)];
    expect(all(some).length).toBeGreaterThan(0);
    expect(all(some).every((r) => r.config.fraction === smallest)).toBe(true);
    expect(all(some).map((r) => r.configHash).sort()).toEqual(
      all(whole).filter((r) => r.config.fraction === smallest).map((r) => r.configHash).sort(),
    );
    await expect(planRuns({ ...common, fractions: [0.33] })).rejects.toThrow(/fractions 0.33 are not training fractions of this plan \(its fractions: /);
  });
});
