import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors';
import {
  PLOTLY_MIME,
  attachStaticFigures,
  createFigureShower,
  liveProgress,
  readFigureRecords,
  type MimeBundle,
  type NotebookJson,
} from '../../lib/notebook/index';
import { rocPrFigure } from '../../lib/plots/index';

function recordingSink() {
  const shown: Array<{ bundle: MimeBundle; id?: string; update?: boolean }> = [];
  return { shown, sink: { show: (bundle: MimeBundle, id?: string, update?: boolean) => void shown.push({ bundle, id, update }) } };
}

const spec = rocPrFigure([{ name: 'A', roc: { fpr: [0, 0, 1], tpr: [0, 1, 1] }, pr: { precision: [1, 1], recall: [1, 0] } }]);

describe('showFigure', () => {
  it('sends the plotly bundle once, then one multi-MIME output per figure, and records each spec', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-specs-'));
    const { shown, sink } = recordingSink();
    const shower = createFigureShower({ sink, specsDir: dir, loaderHtml: () => '<script>/*bundle*/</script>' });
    shower.show(spec, { name: 'fig-a', width: 700, height: 300 });
    shower.show(spec, { name: 'fig-b' });
    expect(shown).toHaveLength(3);
    expect(shown[0]!.bundle['text/html']).toBe('<script>/*bundle*/</script>');
    const fig = shown[1]!.bundle;
    expect(fig['text/html']).toContain('data-rethink-figure="fig-a"');
    expect((fig[PLOTLY_MIME] as any).layout.height).toBe(300);
    expect(fig['text/plain']).toContain('figures/fig-a.png');
    const records = readFigureRecords(dir);
    expect(records.map((r) => [r.name, r.width, r.height])).toEqual([
      ['fig-a', 700, 300],
      ['fig-b', 900, 450],
    ]);
    expect(records[0]!.spec).toEqual(JSON.parse(JSON.stringify(spec)));
  });

  it('rejects names that cannot be file names', () => {
    const shower = createFigureShower({ sink: recordingSink().sink, specsDir: null, loaderHtml: () => '' });
    expect(() => shower.show(spec, { name: '../escape' })).toThrow(ConfigError);
    expect(() => shower.show(spec, { name: 'a b' })).toThrow(/must match/);
  });

  it('reports a corrupt spec file by name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-specs-'));
    fs.writeFileSync(path.join(dir, 'bad.json'), '{');
    expect(() => readFigureRecords(dir)).toThrow(/bad\.json is not valid JSON/);
    expect(readFigureRecords(path.join(dir, 'missing'))).toEqual([]);
  });
});

describe('attachStaticFigures', () => {
  it('puts the PNG inside the figure div and beside the HTML in the same output', () => {
    const { shown, sink } = recordingSink();
    createFigureShower({ sink, specsDir: null, loaderHtml: () => '' }).show(spec, { name: 'fig-a' });
    const html = shown[1]!.bundle['text/html'] as string;
    const nb: NotebookJson = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        {
          cell_type: 'code',
          metadata: {},
          source: '',
          outputs: [
            { output_type: 'display_data', data: { 'text/html': [html.slice(0, 40), html.slice(40)], 'text/plain': 'x' } },
            { output_type: 'display_data', data: { 'text/html': '<b>not a figure</b>' } },
          ],
        },
      ],
    };
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    expect(attachStaticFigures(nb, new Map([['fig-a', png]]))).toBe(1);
    const out = nb.cells[0]!.outputs![0]!.data!;
    expect(out['image/png']).toBe(png.toString('base64'));
    expect(out['text/html']).toMatch(/data-rethink-figure="fig-a"[^>]*><img src="data:image\/png;base64,iVBORw==" alt="fig-a"/);
    expect(attachStaticFigures(nb, new Map([['fig-a', png]]))).toBe(1);
    expect((out['text/html'] as string).match(/<img/g)).toHaveLength(1);
    expect(nb.cells[0]!.outputs![1]!.data!['image/png']).toBeUndefined();
  });
});

describe('liveProgress', () => {
  it('updates one display in place, throttled, and always shows the final state', () => {
    let t = 0;
    const { shown, sink } = recordingSink();
    const progress = liveProgress('draws', { total: 100, sink, now: () => t, minIntervalMs: 250 });
    progress.update(1);
    t = 100;
    progress.update(2);
    t = 300;
    progress.update(50, undefined, 'loss 0.3');
    progress.finish();
    expect(shown).toHaveLength(3);
    expect(new Set(shown.map((s) => s.id)).size).toBe(1);
    expect(shown.map((s) => s.update)).toEqual([false, true, true]);
    expect(shown[1]!.bundle['text/plain']).toBe('draws: 50/100 · 50% · 0.3 s elapsed · ETA 0.3 s · loss 0.3');
    expect(shown[2]!.bundle['text/plain']).toBe('draws: 100/100 · 100% · 0.3 s elapsed · done · loss 0.3');
    expect(shown[2]!.bundle['text/html']).toContain('<progress value="100" max="100"');
  });

  it('leaves out a count of nothing when there is no total', () => {
    const { shown, sink } = recordingSink();
    liveProgress('reading the results store', { sink, now: () => 8600 }).finish('14 stored runs read');
    expect(shown[0]!.bundle['text/plain']).toBe('reading the results store: 0.0 s elapsed · done · 14 stored runs read');
  });
});
