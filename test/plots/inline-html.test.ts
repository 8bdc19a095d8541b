import { describe, expect, it } from 'vitest';
import { figureHtml, plotlyLoaderHtml, scriptSafeJson } from '../../lib/plots/index';

describe('inline plotly html', () => {
  it('keeps JSON from closing the script element', () => {
    const json = scriptSafeJson({ name: '</script><b>x</b>', s: '\u2028' });
    expect(json).not.toContain('</');
    expect(JSON.parse(json)).toEqual({ name: '</script><b>x</b>', s: '\u2028' });
  });

  it('emits a named div and a script that draws into it once plotly is loaded', () => {
    const html = figureHtml(
      { data: [{ type: 'scatter', x: [1], y: [2], name: '</script>' }], layout: { width: 300 } },
      { id: 'fig-1', name: 'fig2-roc', width: 900, height: 400 },
    );
    expect(html).toContain('<div id="fig-1" class="rethink-figure" data-rethink-figure="fig2-roc"');
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    const payload = /var fig = (.*);\n/.exec(html)![1]!;
    const fig = JSON.parse(payload);
    expect(fig.layout.height).toBe(400);
    expect(fig.layout.width).toBeUndefined();
    expect(fig.data[0].name).toBe('</script>');
    // Marked drawn when plotly's promise settles, so a page check measures the finished layout.
    expect(html).toContain('.then(function () { el.setAttribute("data-rethink-drawn", "1"); })');
  });

  it('wraps the bundle so it sets window.Plotly even where module/define exist', () => {
    const html = plotlyLoaderHtml('window.Plotly = {}; /* </script> */');
    expect(html).toContain('(function (module, exports, define) {');
    expect(html.match(/<\/script>/gi)).toHaveLength(1);
  });

  it('loads the real bundle from node_modules (no CDN)', () => {
    const html = plotlyLoaderHtml();
    expect(html.length).toBeGreaterThan(1_000_000);
    expect(html).toContain('plotly.js v3');
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
});
