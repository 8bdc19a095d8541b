/**
 * Sending rich output from a tslab cell. tslab's public `display.*` sends one MIME type per output; a figure
 * wants several in ONE output (interactive HTML, the plotly JSON MIME type that JupyterLab/VS Code render
 * natively, plain text for terminals), so the frontend can pick the best it supports. tslab 1.0.22 keeps the
 * kernel's display writer in `tslab/dist/jupyter`; we use it when present and fall back to `display.html`.
 */
import { BackendError } from '../errors';

export type MimeBundle = Record<string, unknown>;

export interface DisplaySink {
  /** Shows `bundle`; with a `displayId`, later calls with `update: true` replace that output in place. */
  show(bundle: MimeBundle, displayId?: string, update?: boolean): void;
}

type WriteDisplayData = (
  content: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

let cachedSink: DisplaySink | undefined;

/** The sink of the running tslab kernel. Throws a BackendError outside a kernel. */
export function tslabSink(): DisplaySink {
  if (cachedSink) return cachedSink;
  let jupyter: { lastWriteDisplayData?: WriteDisplayData | null } | undefined;
  let publicApi: { display: { html(s: string): void; text(s: string): void } } | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    publicApi = require('tslab');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    jupyter = require('tslab/dist/jupyter');
  } catch (err) {
    throw new BackendError(`rich display needs the tslab package: ${(err as Error).message}`);
  }
  cachedSink = {
    show(bundle, displayId, update = false) {
      const write = jupyter?.lastWriteDisplayData;
      if (typeof write === 'function') {
        write({ data: bundle, metadata: {}, transient: displayId ? { display_id: displayId } : {} }, update);
        return;
      }
      if (!publicApi) throw new BackendError('rich display is only available inside a tslab kernel');
      // Not in a kernel we understand: degrade to the public single-MIME API.
      const html = bundle['text/html'];
      if (typeof html === 'string') publicApi.display.html(html);
      else publicApi.display.text(String(bundle['text/plain'] ?? ''));
    },
  };
  return cachedSink;
}

/** A display id unique within the kernel process. */
export function newDisplayId(prefix: string): string {
  newDisplayId.counter += 1;
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36)}-${newDisplayId.counter}`;
}
newDisplayId.counter = 0;
