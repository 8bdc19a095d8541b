import { describe, expect, it } from 'vitest';
import { defaultFractions, PAPER_FRACTIONS } from '../../lib/experiments/fractions';
import { defineGrid, FIG4, FIG6, GRIDS } from '../../lib/experiments/grids';
import { normalizeModelSpec } from '../../lib/experiments/model-factory';
import { defineProfile, getProfile, PROFILES } from '../../lib/experiments/profiles';
import { storedTraining, trainingSettings } from '../../lib/experiments/run-config';
import { hashJson } from '../../lib/util/hash';

describe('paper grids', () => {
  it('fig4 crosses DenseNet121, the four CBRs and Keras ResNet50 with TL and RI', () => {
    expect(FIG4.cells).toHaveLength(12);
    expect(new Set(FIG4.cells.map((c) => c.init))).toEqual(new Set(['TL', 'RI']));
    expect(FIG4.cells.some((c) => c.model.id === 'resnet50-keras' && c.init === 'TL')).toBe(true);
  });

  it("fig6's Dens-F is fig4's DenseNet121-TL (same model spec, so the runs are shared)", () => {
    const densF = FIG6.cells.find((c) => c.name === 'Dens-F')!;
    const dense4 = FIG4.cells.find((c) => c.name === 'DenseNet121-TL')!;
    expect(hashJson(normalizeModelSpec(densF.model))).toBe(hashJson(normalizeModelSpec(dense4.model)));
  });

  it('every built-in grid passes validation, and those with cells whose weights are not reachable offline say so', () => {
    const offlineSource = (cell: { model: { id: string }; init: string }): boolean => cell.init !== 'RI' && cell.model.id !== 'resnet50-keras';
    for (const grid of Object.values(GRIDS)) {
      expect(() => defineGrid(grid)).not.toThrow();
      if (grid.cells.some(offlineSource)) expect(grid.notes.join(' ')).toMatch(/unavailable/);
    }
    expect(GRIDS['pneumonia']!.cells.some(offlineSource)).toBe(false);
  });

  it('rejects a malformed user grid with the field named', () => {
    const base = { id: 'mine', title: 't', fractions: [1], notes: [] };
    expect(() => defineGrid({ ...base, cells: [] })).toThrow(/cells/);
    expect(() => defineGrid({ ...base, cells: [{ name: 'x', model: { id: 'vgg16' as never }, init: 'TL' }] })).toThrow(/cells\[0\]\.model\.id/);
    expect(() => defineGrid({ ...base, fractions: [0], cells: [{ name: 'x', model: { id: 'cbr-small' }, init: 'RI' }] })).toThrow(/fractions/);
  });

  it('unknown keys, truncating a whole model, a head on a CBR net and repeated names are errors naming the field', () => {
    const base = { id: 'mine', title: 't', fractions: [1], notes: [] };
    const cell = { name: 'x', model: { id: 'cbr-small' as const }, init: 'RI' as const };
    expect(() => defineGrid({ ...base, cells: [cell], fraction: [1] } as never)).toThrow(/grid 'mine': unknown key 'fraction' \(known: id, title, figure, cells, fractions, tlSource, notes\)/);
    expect(() => defineGrid({ ...base, cells: [cell], tlSource: 'radimagenet' } as never)).toThrow(/tlSource: expected 'imagenet' \| 'cxr', got 'radimagenet'/);
    expect(() => defineGrid({ ...base, cells: [{ ...cell, model: { id: 'cbr-small', truncation: 'T2' } }] })).toThrow(/cells\[0\]\.model\.truncation: CBR-Small is used whole/);
    expect(() => defineGrid({ ...base, cells: [{ ...cell, model: { id: 'cbr-small', head: 'gap-linear' } }] })).toThrow(/cells\[0\]\.model\.head: CBR-Small keeps its own head/);
    expect(() => defineGrid({ ...base, cells: [cell, cell] })).toThrow(/cells\[1\]\.name: cell name 'x' is used twice/);
    expect(() => defineGrid({ ...base, cells: [{ ...cell, init: 'ImageNet' as never }] })).toThrow(/cells\[0\]\.init: expected 'TL' \| 'RI' \| 'LP', got 'ImageNet'/);
  });
});

describe('profiles', () => {
  it('every built-in profile passes its schema; off is null, never false', () => {
    for (const profile of Object.values(PROFILES)) expect(defineProfile(profile)).toEqual(profile);
    const quick = getProfile('quick');
    expect(quick.training.plateau).toBeNull();
    expect(() => defineProfile({ ...quick, training: { ...quick.training, plateau: false as never } })).toThrow(/training\.plateau: expected object, got false/);
    expect(() => defineProfile({ ...quick, imageSise: 64 } as never)).toThrow(/unknown key 'imageSise'/);
    expect(() => defineProfile({ ...quick, training: { ...quick.training, microBatchSize: 32 } })).toThrow(/microBatchSize must not exceed batchSize/);
  });

  it("a run's record keeps the stored spelling of an LR schedule that is off (false), so stored hashes stay valid", () => {
    const stored = storedTraining(getProfile('quick').training);
    expect(stored.plateau).toBe(false);
    expect(trainingSettings(stored)).toEqual(getProfile('quick').training);
    expect(trainingSettings(storedTraining(getProfile('cpu').training))).toEqual(getProfile('cpu').training);
  });
});

describe('defaultFractions', () => {
  it("keeps the paper's 5/10/100% when the rarest class has enough items at 5%", () => {
    expect(defaultFractions([1760], [29020], ['covid']).fractions).toEqual([...PAPER_FRACTIONS]);
  });

  it('picks 25/50/100% for the public COVID training split (133 positive, 51 negative)', () => {
    const choice = defaultFractions([133], [51], ['covid19']);
    expect(choice.fractions).toEqual([0.25, 0.5, 1]);
    expect(choice.reason).toMatch(/51 items/);
  });

  it('does not subsample a tiny set', () => {
    expect(defaultFractions([12], [9], ['x']).fractions).toEqual([1]);
  });
});
