/**
 * HTML that draws a plotly spec in a notebook output. The plotly bundle is sent once (`plotlyLoaderHtml`);
 * each figure is then a small <div> plus a script that waits for `window.Plotly` and calls `newPlot`.
 * Any children of the <div> (e.g. a static <img> fallback added after export) are visible until plotly
 * draws, so viewers that do not run scripts still show the figure.
 */
import * as fs from 'node:fs';
import { plotlyBundlePath } from './export';
import type { PlotlySpec } from './types';

export const FIGURE_ATTRIBUTE = 'data-rethink-figure';
/** Set on a figure's <div> when plotly has finished drawing it. */
export const DRAWN_ATTRIBUTE = 'data-rethink-drawn';

/** Embeds JSON in a <script> safely: `</script>` and HTML comments cannot terminate it early. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export interface FigureHtmlOptions {
  /** DOM id, unique in the page. */
  id: string;
  /** Figure name (what the static files are called). */
  name: string;
  height: number;
  /** Max width in CSS px; the plot is responsive below it. */
  width: number;
  /** Inner HTML shown until plotly draws (e.g. a static image). */
  fallbackHtml?: string;
}

export function figureHtml(spec: PlotlySpec, options: FigureHtmlOptions): string {
  const layout = { ...spec.layout, height: options.height, width: undefined, autosize: true };
  const config = { responsive: true, displaylogo: false, ...(spec.config ?? {}) };
  const payload = scriptSafeJson({ data: spec.data, layout, config });
  const id = JSON.stringify(options.id);
  return [
    `<div id=${id} class="rethink-figure" ${FIGURE_ATTRIBUTE}="${escapeAttribute(options.name)}" ` +
      `style="width:100%;max-width:${options.width}px;min-height:${options.height}px">${options.fallbackHtml ?? ''}</div>`,
    '<script type="text/javascript">',
    '(function () {',
    `  var fig = ${payload};`,
    `  var el = document.getElementById(${id});`,
    '  var tries = 0;',
    '  function draw() {',
    '    if (!el) return;',
    '    if (window.Plotly) {',
    '      el.innerHTML = "";',
    // Marks the figure drawn once plotly's promise settles (after its automargin redraws), for the page check.
    `      window.Plotly.newPlot(el, fig.data, fig.layout, fig.config).then(function () { el.setAttribute("${DRAWN_ATTRIBUTE}", "1"); });`,
    '    }',
    // The bundle output may still be executing when a later output renders; wait up to ~20 s for it.
    '    else if (tries++ < 200) setTimeout(draw, 100);',
    '  }',
    '  draw();',
    '})();',
    '</script>',
  ].join('\n');
}

/**
 * The plotly.js bundle as an inline script. Hides `module`/`define` from the UMD wrapper so the bundle sets
 * `window.Plotly` in every frontend (classic Notebook ships require.js, JupyterLab does not).
 */
export function plotlyLoaderHtml(bundleSource: string = fs.readFileSync(plotlyBundlePath(), 'utf8')): string {
  const safe = bundleSource.replace(/<\/script/gi, '<\\/script');
  return [
    '<script type="text/javascript">',
    'if (!window.Plotly) { (function (module, exports, define) {',
    safe,
    '}).call(window, undefined, undefined, undefined); }',
    '</script>',
  ].join('\n');
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
