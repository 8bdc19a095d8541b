import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetItem } from '../../lib/data/types';
import { generateSyntheticCxr } from '../../lib/data/loaders/synthetic';
import {
  aurocDifferences, computeConclusions, frameHtml, imagesPerPatient, imagesPerPatientPanel, imbalanceRows, medianAuroc, patientSummary,
  prevalencePanel, rarestLabel, rowsHtml, testSetMarkdown,
} from '../../lib/report';
import {
  chexpertAvailability, chooseFigureDataset, covidAvailability, imageGridPng, kermanyAvailability, missingDataMarkdown, sampleItems,
} from '../../lib/report/io/index';
import { bothMetrics, cell } from './cells';

describe('dataset availability', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'report-avail-'));

  it('finds CheXpert in the folder or its parent, and explains every way it can be missing', () => {
    expect(chexpertAvailability('')).toMatchObject({ available: false, reason: 'no CheXpert folder was given (parameter `chexpertRoot` is empty)' });
    expect(chexpertAvailability(path.join(dir, 'nope')).reason).toMatch(/does not exist/);
    expect(chexpertAvailability(dir).reason).toMatch(/holds no train\.csv/);
    const small = path.join(dir, 'CheXpert-v1.0-small');
    mkdirSync(small);
    writeFileSync(path.join(small, 'train.csv'), 'Path\n');
    expect(chexpertAvailability(dir)).toMatchObject({ available: true, root: small });
    // The how-to comes from the dataset manifest, not from this module.
    expect(chexpertAvailability('').howToGet.join(' ')).toMatch(/Research Use Agreement/);
  });

  it('needs labels.csv and images/ for the COVID set', () => {
    const covid = path.join(dir, 'covid');
    mkdirSync(covid);
    expect(covidAvailability(covid, '').reason).toMatch(/holds no labels\.csv/);
    writeFileSync(path.join(covid, 'labels.csv'), 'id\n');
    expect(covidAvailability(covid, '').reason).toMatch(/has no images\/ folder/);
    mkdirSync(path.join(covid, 'images'));
    expect(covidAvailability(covid, '')).toMatchObject({ available: true, root: covid });
  });

  it('finds the folder `rethink-tl prepare` made when the given one is absent, and says why when neither exists', () => {
    const prepared = path.join(dir, 'prepared');
    const missing = path.join(dir, 'nowhere');
    expect(covidAvailability(missing, prepared)).toMatchObject({ available: false });
    expect(covidAvailability(missing, prepared).reason).toContain(missing);
    mkdirSync(path.join(prepared, 'images'), { recursive: true });
    writeFileSync(path.join(prepared, 'labels.csv'), 'id\n');
    expect(covidAvailability(missing, prepared)).toMatchObject({ available: true, root: prepared });
    expect(covidAvailability('', prepared)).toMatchObject({ available: true, root: prepared });
  });

  it('says how to get the Kermany pneumonia set when it is absent: the prepare command from its manifest', () => {
    const absent = kermanyAvailability('', path.join(dir, 'no-kermany'));
    expect(absent).toMatchObject({ id: 'kermany-pneumonia', available: false, reason: 'no Kermany pneumonia folder was given (parameter `kermanyRoot` is empty)' });
    const md = missingDataMarkdown(absent, 'the other datasets');
    expect(md).toContain('> **kermany-pneumonia is not available here:**');
    expect(md).toMatch(/> 1\. Run `rethink-tl prepare kermany-pneumonia/);
    const prepared = path.join(dir, 'kermany');
    mkdirSync(path.join(prepared, 'images'), { recursive: true });
    writeFileSync(path.join(prepared, 'labels.csv'), 'id\n');
    expect(kermanyAvailability('', prepared)).toMatchObject({ available: true, root: prepared });
  });

  it('falls back to the synthetic set and says what is missing and how to get it', () => {
    const choice = chooseFigureDataset('chexpert', { chexpertRoot: '', syntheticN: 50 });
    expect(choice).toMatchObject({ ref: { id: 'synthetic-cxr', options: { n: 50 } }, synthetic: true });
    const md = missingDataMarkdown(choice.missing!, 'the embedded SYNTHETIC dataset');
    expect(md.split('\n')[0]).toBe('> **chexpert-v1.0-small is not available here:** no CheXpert folder was given (parameter `chexpertRoot` is empty).');
    expect(md).toContain('> 2. Download');
    expect(md).toContain('> This notebook continues with **the embedded SYNTHETIC dataset**');
    const real = chooseFigureDataset('chexpert', { chexpertRoot: dir });
    expect(real).toMatchObject({ ref: { id: 'chexpert-v1.0-small', options: { split: 'train', policy: 'u-ones' } }, synthetic: false });
  });
});

describe('exploration helpers', () => {
  const rows = (dataset: string, synthetic: boolean, list: Array<[string, number, number]>) => ({
    dataset,
    synthetic,
    rows: list.map(([label, positives, negatives]) => ({
      label,
      positives,
      negatives,
      ignored: 0,
      prevalence: positives / (positives + negatives),
      ratio: `1:${(negatives / positives).toFixed(1)}`,
    })),
  });
  const sets = [
    rows('chexpert-v1.0-small', false, [['Pleural Other', 10, 790], ['Edema', 200, 600]]),
    rows('covid-cohen', false, [['pneumonia', 255, 16]]),
    rows('synthetic-cxr', true, [['opacity', 60, 140]]),
  ];

  it('draws one prevalence bar per dataset and label, abbreviating CheXpert only', () => {
    const p = prevalencePanel(sets);
    expect(p.groups).toEqual(['PO (chexpert-v1.0-small)', 'Ed. (chexpert-v1.0-small)', 'pneumonia (covid-cohen)', 'opacity (synthetic-cxr, SYNTHETIC)']);
    expect(p.values[0]).toEqual([10 / 800, 0.25, 255 / 271, 0.3]);
  });

  it('states the chance level of both metrics and finds the rarest label', () => {
    const imb = imbalanceRows(sets);
    expect(imb[0]).toMatchObject({ label: 'Pleural Other', randomAuroc: 0.5, randomAuprc: 0.0125, auprcHeadroom: 0.9875 });
    expect(rarestLabel(imb)?.label).toBe('Pleural Other');
  });

  it('summarises patients per dataset, and bins images per patient as shares so sets of any size share an axis', () => {
    const item = (id: string, patientId: string): DatasetItem => ({ id, image: { kind: 'file', path: id }, labels: [0], patientId });
    const small = [item('a', 'p1'), item('b', 'p1'), item('c', 'p2'), item('d', 'p3'), item('e', 'p3'), item('f', 'p3'), item('g', 'p3')];
    expect(patientSummary('small', small)).toEqual({ dataset: 'small', images: 7, patients: 3, meanImages: 7 / 3, maxImages: 4, singleImageShare: 1 / 3 });
    const large = Array.from({ length: 40 }, (_, i) => item(`x${i}`, `q${i % 20}`)); // 20 patients, 2 images each
    const panel = imagesPerPatientPanel([{ name: 'small', items: small }, { name: 'large', items: large }]);
    expect(panel.groups).toEqual(['1', '2', '3', '4–5']); // nobody has more than 4
    expect(panel.values).toEqual([[1 / 3, 1 / 3, 0, 1 / 3], [0, 1, 0, 0]]);
    expect(panel.yTitle).toBe('share of patients');
  });

  it('counts images per patient, items without a patient standing alone', () => {
    const item = (id: string, patientId?: string): DatasetItem => ({ id, image: { kind: 'file', path: id }, labels: [0], ...(patientId ? { patientId } : {}) });
    expect(imagesPerPatient([item('a', 'p1'), item('b', 'p1'), item('c', 'p2'), item('d')])).toEqual([
      { imagesPerPatient: 1, patients: 2 },
      { imagesPerPatient: 2, patients: 1 },
    ]);
  });

  it('samples a seeded, class-balanced set of items', () => {
    const d = generateSyntheticCxr({ n: 40, size: 16 });
    const a = sampleItems(d, { perClass: 3, seed: 1 });
    expect(a.map((it) => it.labels[0])).toEqual([1, 1, 1, 0, 0, 0]);
    expect(sampleItems(d, { perClass: 3, seed: 1 }).map((it) => it.id)).toEqual(a.map((it) => it.id));
    expect(sampleItems(d, { perClass: 3, seed: 2 }).map((it) => it.id)).not.toEqual(a.map((it) => it.id));
    expect(() => sampleItems(d, { label: 'nope' })).toThrowError(/unknown label 'nope'/);
  });

  it('renders rows and frames as escaped HTML tables', () => {
    const html = rowsHtml([{ a: 1, b: '<x>' }, { a: 0.12345, c: true }]);
    expect(html).toContain('<th style="text-align:left">c</th>');
    expect(html).toContain('<td style="text-align:left">&lt;x&gt;</td>');
    expect(html).toContain('<td style="text-align:right">0.123</td>');
    expect(frameHtml({ columns: ['n'], values: [[1234]] })).toContain('<td style="text-align:right">1,234</td>');
  });

  it('shows words as headers where the keys are field names, and a caption as wide as the output', () => {
    const html = rowsHtml([{ label: 'x', randomAuroc: 0.5 }], { headers: { randomAuroc: 'random AUROC' }, caption: 'Chance <levels>' });
    expect(html).toContain('<th style="text-align:left">random AUROC</th>');
    expect(html).not.toContain('randomAuroc');
    // A <caption> wraps to the table's width (a narrow table gets a caption over several lines): a block above it.
    expect(html).not.toContain('<caption');
    expect(html).toMatch(/^<div class="rethink-table"><div [^>]*>Chance &lt;levels&gt;<\/div><table/);
    expect(rowsHtml([{ a: 1 }])).toMatch(/^<table/);
  });
});

describe('closing note on test-set size', () => {
  const cells = [
    ...bothMetrics({ figure: 'fig4', model: 'M', init: 'TL', label: 'covid19', fraction: 1 }, 0.9, 0.9),
    ...bothMetrics({ figure: 'fig4', model: 'M', init: 'RI', label: 'covid19', fraction: 1 }, 0.6, 0.8),
    ...bothMetrics({ figure: 'fig4', model: 'N', init: 'TL', label: 'covid19', fraction: 1 }, 0.8, 0.85),
    ...bothMetrics({ figure: 'fig4', model: 'N', init: 'RI', label: 'covid19', fraction: 1 }, 0.78, 0.84),
  ];

  it('takes TL − RI AUROC differences, else best − runner-up margins', () => {
    const diffs = aurocDifferences(computeConclusions(cells));
    expect(diffs.map((d) => d.what)).toEqual(['M TL − RI at 100%', 'N TL − RI at 100%']);
    expect(diffs[0].difference).toBeCloseTo(0.3, 12);
    const truncation = [cell({ figure: 'fig6', model: 'A', label: 'c', metric: 'AUROC', mean: 0.8 }), cell({ figure: 'fig6', model: 'B', label: 'c', metric: 'AUROC', mean: 0.7 })];
    expect(aurocDifferences(computeConclusions(truncation)).map((d) => d.what)).toEqual(['A − B']);
    expect(medianAuroc(cells)).toBeCloseTo(0.79, 12);
    expect(medianAuroc([])).toBeUndefined();
  });

  it('says which differences the test split can resolve', () => {
    const md = testSetMarkdown([{ label: 'covid19', positives: 31, negatives: 14 }], aurocDifferences(computeConclusions(cells)), 0.8);
    const detectable = Number(/differ by about (\d\.\d{3})/.exec(md)![1]);
    expect(detectable).toBeGreaterThan(0.02);
    expect(detectable).toBeLessThan(0.3);
    expect(md).toContain('Of the 2 AUROC differences this figure compares, 1 exceeds that: M TL − RI at 100% (+0.300).');
    expect(testSetMarkdown([{ label: 'x', positives: 0, negatives: 10 }], [], 0.8)).toMatch(/no label with both positives and negatives/);
  });

  it('speaks of the error bars the figure draws: SD over seeds, or test-set intervals of single runs', () => {
    const counts = [{ label: 'covid19', positives: 31, negatives: 14 }];
    expect(testSetMarkdown(counts, [], 0.8)).toContain('the ± SD over seeds does not include this test-set noise');
    const single = testSetMarkdown(counts, [], 0.8, { spreadOverSeeds: false });
    expect(single).toContain("95% test-set bootstrap interval: they show this test-set noise");
    expect(single).not.toContain('± SD');
  });
});

describe('imageGridPng', () => {
  it('lays tiles out in rows with a caption strip under each', async () => {
    const sharp = (await import('sharp')).default;
    const d = generateSyntheticCxr({ n: 20, size: 32 });
    const png = await imageGridPng(sampleItems(d, { perClass: 3 }), { columns: 3, tile: 40 });
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 3 * 40, 2 * (40 + 18)]);
    await expect(imageGridPng([])).rejects.toThrowError(/no items to draw/);
  });
});
