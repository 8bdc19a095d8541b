/**
 * The paper's digitised bars (paper/paper-figures-v1.csv, see paper/README.md for the source), parsed into rows
 * keyed like our own cells so the two can be joined without string matching on legend names.
 */
import { parse } from 'csv-parse/sync';
import { DataError } from '../errors';
import { chexpertLabelName } from './labels';
import type { FigureId, Init, Metric, PaperValue } from './types';

const FIGURE_IDS: Readonly<Record<string, FigureId>> = {
  fig3_chexpert_tl_vs_ri: 'fig3',
  fig4_covid_tl_vs_ri: 'fig4',
  fig6_covid_truncation: 'fig6',
  fig7_chexpert_truncation: 'fig7',
};

const REQUIRED_COLUMNS = ['figure', 'dataset', 'metric', 'model', 'column', 'mean', 'halfwidth'] as const;
type CsvRow = Record<(typeof REQUIRED_COLUMNS)[number], string>;

interface BarKey {
  model: string;
  init: Init;
  truncation?: string;
}

/** Legend entries -> (model, init, truncation). Fig. 6 and Fig. 7 bars are all TL. */
function parseLegend(figure: FigureId, legend: string): BarKey | undefined {
  const trunc = /^Dens-(T1|T2|T3|F)$/.exec(legend);
  if (trunc) return { model: 'DenseNet121', init: 'TL', truncation: trunc[1] };
  if (legend === 'DenseNet121 (F)') return { model: 'DenseNet121', init: 'TL', truncation: 'F' };
  if (legend === 'CBR (Small)') return { model: 'CBR-Small', init: 'TL' };
  const withInit = /^(.+)-(TL|RI)$/.exec(legend);
  if (withInit && figure === 'fig3') return { model: withInit[1], init: withInit[2] as Init };
  if (figure === 'fig4' || figure === 'fig6') {
    // Fig. 6 draws DenseNet121 (F) beside its truncations; bare names there and in Fig. 4 are untruncated models.
    return { model: legend, init: 'TL' };
  }
  return undefined;
}

/** `5%` -> 0.05; `TL 10%` -> { init: TL, fraction: 0.1 }. */
function parseFractionColumn(column: string): { init?: Init; fraction: number } | undefined {
  const m = /^(?:(TL|RI) )?(\d+(?:\.\d+)?)%$/.exec(column.trim());
  if (!m) return undefined;
  return { init: m[1] as Init | undefined, fraction: Number(m[2]) / 100 };
}

function parseNumber(text: string, file: string, row: number, field: string, optional: boolean): number | undefined {
  const t = text.trim();
  if (t === '') {
    if (optional) return undefined;
    throw new DataError(`${file}: row ${row}: field '${field}' is empty`, { file, row, field });
  }
  const v = Number(t);
  if (!Number.isFinite(v) || v < 0 || v > 1) {
    throw new DataError(`${file}: row ${row}: field '${field}' must be a number in [0, 1], got '${text}'`, {
      file,
      row,
      field,
    });
  }
  return v;
}

/** Parse CSV text (exposed so tests can feed broken files without touching disk). */
export function parsePaperValues(text: string, file = '<text>'): PaperValue[] {
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  if (records.length === 0) throw new DataError(`${file}: no rows`, { file });
  for (const col of REQUIRED_COLUMNS) {
    if (!(col in records[0])) throw new DataError(`${file}: missing column '${col}'`, { file, field: col });
  }
  return records.map((raw, i) => {
    const r = raw as CsvRow;
    const row = i + 2; // 1-based, after the header line
    const fail = (field: string, why: string): never => {
      throw new DataError(`${file}: row ${row}: field '${field}' ${why}`, { file, row, field });
    };
    const figure = FIGURE_IDS[r.figure] ?? fail('figure', `is not a known figure ('${r.figure}')`);
    const dataset = r.dataset === 'CheXpert' || r.dataset === 'COVID' ? r.dataset : fail('dataset', `is '${r.dataset}'`);
    const metric: Metric = r.metric === 'AUROC' || r.metric === 'AUPRC' ? r.metric : fail('metric', `is '${r.metric}'`);
    const bar = parseLegend(figure, r.model) ?? fail('model', `'${r.model}' is not a legend entry of ${r.figure}`);
    const mean = parseNumber(r.mean, file, row, 'mean', false) as number;
    const halfwidth = parseNumber(r.halfwidth, file, row, 'halfwidth', true);
    const value: PaperValue = {
      figure,
      dataset,
      metric,
      model: bar.model,
      init: bar.init,
      mean,
      halfwidth,
      source: { file, row, model: r.model, column: r.column },
    };
    if (bar.truncation !== undefined) value.truncation = bar.truncation;
    if (dataset === 'CheXpert') {
      value.label = chexpertLabelName(r.column) ?? fail('column', `'${r.column}' is not a CheXpert abbreviation`);
      value.labelAbbreviation = r.column;
    } else {
      const fc = parseFractionColumn(r.column) ?? fail('column', `'${r.column}' is not '<TL|RI> <pct>%' or '<pct>%'`);
      if (fc.init !== undefined) value.init = fc.init;
      value.fraction = fc.fraction;
    }
    return value;
  });
}
