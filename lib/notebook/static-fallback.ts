/**
 * After export, each inline figure of an executed notebook gets its static PNG: as an <img> inside the
 * figure's <div> (shown by viewers that do not run scripts, replaced by the live plot where scripts run) and
 * as an `image/png` entry of the same output, for renderers that skip HTML.
 */
import { FIGURE_ATTRIBUTE } from '../plots/inline-html';
import { multilineText, type NotebookJson } from './notebook-json';

/** Returns how many outputs were given a static copy; mutates `nb`. */
export function attachStaticFigures(nb: NotebookJson, pngByName: ReadonlyMap<string, Buffer>): number {
  let attached = 0;
  for (const cell of nb.cells) {
    for (const output of cell.outputs ?? []) {
      const data = output.data;
      if (!data || data['text/html'] === undefined) continue;
      const html = multilineText(data['text/html']);
      const match = new RegExp(`<div [^>]*${FIGURE_ATTRIBUTE}="([^"]+)"[^>]*>`).exec(html);
      if (!match) continue;
      const png = pngByName.get(match[1]!);
      if (!png) continue;
      const base64 = png.toString('base64');
      const img = `<img src="data:image/png;base64,${base64}" alt="${match[1]}" style="max-width:100%">`;
      const openEnd = match.index + match[0].length;
      const closeAt = html.indexOf('</div>', openEnd);
      data['text/html'] = html.slice(0, openEnd) + img + html.slice(closeAt);
      data['image/png'] = base64;
      attached++;
    }
  }
  return attached;
}
