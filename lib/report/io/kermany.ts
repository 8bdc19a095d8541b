/**
 * The pneumonia notebook's file inputs: the committed Kermany label file (data-manifests/, so the notebook can
 * describe the data and the patient overlap without the images) and the published results it is set beside
 * (paper/pneumonia-anchors.csv).
 */
import * as path from 'node:path';
import { readCsv, requireColumns } from '../../data/csv';
import { manifestsDir } from '../../data/manifest';
import type { KermanyRow, KermanyScheme } from '../pneumonia';

export const KERMANY_SCHEMES: readonly KermanyScheme[] = ['grouped', 'suggested', 'official'];

/** Every image's row of the committed label file (the same file `rethink-tl prepare kermany-pneumonia` writes). */
export function kermanyRows(): KermanyRow[] {
  const table = readCsv(path.join(manifestsDir(), 'kermany-pneumonia.labels.csv'));
  requireColumns(table, ['id', 'patient_group', 'pneumonia', 'subtype', 'split_grouped', 'split_suggested', 'split_official', 'duplicate_of']);
  return table.rows.map(({ values: v }) => ({
    id: v['id']!,
    patient: v['patient_group']!,
    pneumonia: v['pneumonia'] === '1' ? 1 : 0,
    subtype: v['subtype']!,
    split: { grouped: v['split_grouped']!, suggested: v['split_suggested']!, official: v['split_official']! },
    duplicateOf: v['duplicate_of']!,
  }));
}

/** For a scheme: whether each test image's patient also has images in that scheme's training split. */
export function seenPatientLookup(rows: readonly KermanyRow[], scheme: KermanyScheme): (id: string) => boolean | undefined {
  const trainPatients = new Set(rows.filter((r) => r.split[scheme] === 'train').map((r) => r.patient));
  const seen = new Map(rows.filter((r) => r.split[scheme] === 'test').map((r) => [r.id, trainPatients.has(r.patient)]));
  return (id) => seen.get(id);
}

export interface Anchor {
  source: string;
  model: string;
  init: 'RI' | 'TL' | 'LP';
  imagePx: string;
  auroc: number;
  accuracy: number | null;
  trainImages: number;
  protocol: string;
}

/** Published results on the release's 624-image test set (paper/pneumonia-anchors.md says where each is from). */
export function readAnchors(file = path.resolve(__dirname, '..', '..', '..', 'paper', 'pneumonia-anchors.csv')): Anchor[] {
  const table = readCsv(file);
  requireColumns(table, ['source', 'model', 'init', 'image_px', 'test_auroc', 'test_acc', 'train_images', 'protocol']);
  return table.rows.map(({ values: v }) => ({
    source: v['source']!,
    model: v['model']!,
    init: v['init'] as Anchor['init'],
    imagePx: v['image_px']!,
    auroc: Number(v['test_auroc']),
    accuracy: v['test_acc'] === '' ? null : Number(v['test_acc']),
    trainImages: Number(v['train_images']),
    protocol: v['protocol']!,
  }));
}
