/**
 * A progress line that updates in place in a notebook (one output, rewritten), e.g. for training epochs or
 * Monte-Carlo draws. Updates are throttled so a tight loop does not flood the kernel's message channel.
 */
import { newDisplayId, tslabSink, type DisplaySink } from './display';

export interface LiveProgress {
  /** Records `done` of `total` units; `note` is free text (e.g. the current loss). */
  update(done: number, total?: number, note?: string): void;
  /** Shows the final state (always sent, never throttled). */
  finish(note?: string): void;
}

export interface LiveProgressOptions {
  total?: number;
  /** Minimum milliseconds between two rendered updates; default 250. */
  minIntervalMs?: number;
  sink?: DisplaySink;
  /** Clock, for tests. */
  now?: () => number;
}

export function liveProgress(label: string, options: LiveProgressOptions = {}): LiveProgress {
  const sink = options.sink ?? tslabSink();
  const now = options.now ?? Date.now;
  const minInterval = options.minIntervalMs ?? 250;
  const id = newDisplayId('progress');
  const start = now();
  let total = options.total;
  let done = 0;
  let lastNote = '';
  let lastSent = -Infinity;
  let shown = false;

  const render = (finished: boolean): void => {
    const elapsed = (now() - start) / 1000;
    const fraction = total && total > 0 ? Math.min(1, done / total) : undefined;
    const eta = fraction && fraction > 0 && !finished ? elapsed * (1 - fraction) / fraction : undefined;
    const parts = [
      // Without a total, a count of nothing done says nothing ("reading the store: 0 · done").
      total === undefined ? (done > 0 ? `${done}` : undefined) : `${done}/${total}`,
      fraction === undefined ? undefined : `${(fraction * 100).toFixed(0)}%`,
      `${formatSeconds(elapsed)} elapsed`,
      eta === undefined ? undefined : `ETA ${formatSeconds(eta)}`,
      finished ? 'done' : undefined,
      lastNote || undefined,
    ].filter((p): p is string => p !== undefined);
    const text = `${label}: ${parts.join(' · ')}`;
    const bar =
      fraction === undefined
        ? ''
        : `<progress value="${done}" max="${total}" style="width:240px;vertical-align:middle"></progress> `;
    sink.show({ 'text/plain': text, 'text/html': `<div style="font-family:monospace">${bar}${escapeHtml(text)}</div>` }, id, shown);
    shown = true;
    lastSent = now();
  };

  return {
    update(value, newTotal, note) {
      done = value;
      if (newTotal !== undefined) total = newTotal;
      if (note !== undefined) lastNote = note;
      if (now() - lastSent >= minInterval) render(false);
    },
    finish(note) {
      if (note !== undefined) lastNote = note;
      if (total !== undefined) done = total;
      render(true);
    },
  };
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
