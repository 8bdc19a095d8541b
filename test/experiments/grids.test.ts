import { describe, expect, it } from 'vitest';
import { defaultFractions, PAPER_FRACTIONS } from '../../lib/experiments/fractions';
import { defineGrid, FIG4, FIG6, GRIDS } from '../../lib/experiments/grids';
import { normalizeModelSpec } from '../../lib/experiments/model-factory';
import { hashConfig } from '../../lib/experiments/hash';

describe('paper grids', () => {
  it('fig4 crosses DenseNet121, the four CBRs and Keras ResNet50 with TL and RI', () => {
    expect(FIG4.cells).toHaveLength(12);
    expect(new Set(FIG4.cells.map((c) => c.init))).toEqual(new Set(['TL', 'RI']));
    expect(FIG4.cells.some((c) => c.model.id === 'resnet50-keras' && c.init === 'TL')).toBe(true);
  });

  it("fig6's Dens-F is fig4's DenseNet121-TL (same model spec, so the runs are shared)", () => {
    const densF = FIG6.cells.find((c) => c.name === 'Dens-F')!;
    const dense4 = FIG4.cells.find((c) => c.name === 'DenseNet121-TL')!;
    expect(hashConfig(normalizeModelSpec(densF.model))).toBe(hashConfig(normalizeModelSpec(dense4.model)));
  });

  it('every built-in grid passes validation and says what is unavailable offline', () => {
    for (const grid of Object.values(GRIDS)) {
      expect(() => defineGrid(grid)).not.toThrow();
      expect(grid.notes.join(' ')).toMatch(/unavailable/);
    }
  });

  it('rejects a malformed user grid with the field named', () => {
    const base = { id: 'mine', title: 't', fractions: [1], notes: [] };
    expect(() => defineGrid({ ...base, cells: [] })).toThrow(/cells/);
    expect(() => defineGrid({ ...base, cells: [{ name: 'x', model: { id: 'vgg16' as never }, init: 'TL' }] })).toThrow(/cells\[0\]\.model\.id/);
    expect(() => defineGrid({ ...base, fractions: [0], cells: [{ name: 'x', model: { id: 'cbr-small' }, init: 'RI' }] })).toThrow(/fractions/);
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
