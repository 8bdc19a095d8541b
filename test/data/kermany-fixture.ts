/** A Kermany-shaped folder the tests build themselves: labels.csv with the real columns, tiny JPEGs. */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { parseKermanyFileName } from '../../lib/data/loaders/kermany-pneumonia';

export const HEADER =
  'id,filename,patient_id,patient_group,pneumonia,subtype,split_official,split_suggested,split_grouped,' +
  'patient_in_both_official_splits,duplicate_of,source_path,source_git_blob,sha256';

export interface FixtureRow {
  official: 'train' | 'test';
  file: string;
  suggested: 'train' | 'val' | 'test';
  grouped: 'train' | 'val' | 'test';
  duplicateOf?: string;
  patientId?: string;
  pneumonia?: string;
  subtype?: string;
}

export const BASE: FixtureRow[] = [
  { official: 'train', file: 'person1_bacteria_1.jpeg', suggested: 'train', grouped: 'train' },
  { official: 'train', file: 'person1_bacteria_2.jpeg', suggested: 'train', grouped: 'train' },
  { official: 'test', file: 'person1_virus_9.jpeg', suggested: 'test', grouped: 'train' },
  { official: 'train', file: 'person2_virus_3_1.jpeg', suggested: 'val', grouped: 'val' },
  { official: 'test', file: 'person3_bacteria_4.jpeg', suggested: 'test', grouped: 'test' },
  { official: 'train', file: 'IM-0001-0001.jpeg', suggested: 'train', grouped: 'train' },
  { official: 'train', file: 'NORMAL2-IM-0002-0001-0001.jpeg', suggested: 'val', grouped: 'val', duplicateOf: 'NORMAL2-IM-0002-0001-0001.jpeg' },
  { official: 'train', file: 'NORMAL2-IM-0002-0001-0002.jpeg', suggested: 'val', grouped: 'val', duplicateOf: 'NORMAL2-IM-0002-0001-0001.jpeg' },
  { official: 'test', file: 'IM-0003-0001.jpeg', suggested: 'test', grouped: 'test' },
  { official: 'train', file: 'IM-0004-0001.jpeg', suggested: 'train', grouped: 'test' },
];

export interface FixtureOptions {
  /** Where images go: 'prepared' images/<split>/<CLASS>/ (default), 'pinned-repo' dataset/..., 'release' chest_xray/... */
  layout?: 'prepared' | 'pinned-repo' | 'release';
  /** Image side in pixels (default 16). */
  side?: number;
}

const PREFIX = { prepared: 'images', 'pinned-repo': 'dataset', release: 'chest_xray' } as const;

/** Writes the images and labels.csv (prepared-folder paths in `filename`, pinned-repo paths in `source_path`). */
export async function writeFixture(dir: string, rows: FixtureRow[], options: FixtureOptions = {}): Promise<string> {
  const layout = options.layout ?? 'prepared';
  const side = options.side ?? 16;
  const lines = [HEADER];
  const duplicateBytes = new Map<string, Buffer>();
  for (const [i, r] of rows.entries()) {
    const parsed = parseKermanyFileName(r.file)!;
    const cls = parsed.subtype === 'normal' ? 'NORMAL' : 'PNEUMONIA';
    const filename = `images/${r.official}/${cls}/${r.file}`;
    const abs = path.join(dir, `${PREFIX[layout]}/${r.official}/${cls}/${r.file}`);
    mkdirSync(path.dirname(abs), { recursive: true });
    // Rows marked as duplicates of one file get that file's bytes, as in the release.
    const pixels = Buffer.alloc(side * side * 3, (i * 37) % 256);
    const bytes = duplicateBytes.get(r.duplicateOf ?? '') ?? (await sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).jpeg().toBuffer());
    if (r.duplicateOf) duplicateBytes.set(r.duplicateOf, bytes);
    writeFileSync(abs, bytes);
    const patient = r.patientId ?? parsed.patientId;
    const sha = createHash('sha256').update(bytes).digest('hex');
    const cells = [
      `${r.official}-${cls.toLowerCase()}-${r.file.replace(/\.jpeg$/, '')}`,
      filename,
      patient,
      patient,
      r.pneumonia ?? (parsed.subtype === 'normal' ? '0' : '1'),
      r.subtype ?? parsed.subtype,
      r.official,
      r.suggested,
      r.grouped,
      '0',
      r.duplicateOf ?? '',
      `dataset/${r.official}/${cls}/${r.file}`,
      '0'.repeat(40),
      sha,
    ];
    lines.push(cells.join(','));
  }
  const csv = `${lines.join('\n')}\n`;
  writeFileSync(path.join(dir, 'labels.csv'), csv);
  return csv;
}
