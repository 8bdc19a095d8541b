/**
 * Terminal progress for `rethink-tl run`: one overall bar (runs done / to run) and one bar per worker showing
 * the run, epoch, batch, ETA and the latest loss / validation metrics. Falls back to plain lines when stderr
 * is not a terminal (CI logs), so logs stay readable.
 */
import * as cliProgress from 'cli-progress';
import type { RunnerEvent } from '../experiments/runner';
import { runLabel } from '../experiments/worker-pool';
import type { TrainProgressEvent } from '../train/types';

const fmt = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits));

/** Rows the loader skipped that are printed in full; the rest are counted (every record lists them all). */
const SKIPPED_SHOWN = 20;

/**
 * Lines both views print as they are: what the plan must say about the data (rows skipped, labels without both
 * classes), a run resuming or starting over, a run left to another process, and an interrupt in progress.
 */
export function noticeLines(event: RunnerEvent): string[] {
  switch (event.type) {
    case 'plan': {
      const { skipped } = event.plan.dataset;
      const lines = event.plan.dataNotes.map((note) => `note: ${note}`);
      if (skipped.length > 0) {
        lines.push(`${skipped.length} label-file row${skipped.length > 1 ? 's' : ''} skipped (onBadRow=skip); every run record lists them under provenance.dataset.skipped:`);
        for (const s of skipped.slice(0, SKIPPED_SHOWN)) lines.push(`  ${s.file ?? ''}${s.row !== undefined ? `, row ${s.row}` : ''}: ${s.reason}`);
        if (skipped.length > SKIPPED_SHOWN) lines.push(`  ... and ${skipped.length - SKIPPED_SHOWN} more`);
      }
      return lines;
    }
    case 'progress': {
      const e = event.event;
      if (e.type === 'resumed') return [`worker ${event.worker}: ${runLabel(event.spec)} resumes from epoch ${e.fromEpoch}/${e.epochs} (checkpoint in ${event.spec.checkpointDir})`];
      if (e.type === 'checkpoint-discarded') return [`worker ${event.worker}: ${runLabel(event.spec)}: damaged checkpoint moved to ${e.movedTo}; training starts over (${e.reason})`];
      return [];
    }
    case 'run-in-use': {
      const h = event.holder;
      return [`worker ${event.worker}: ${runLabel(event.spec)} is being trained by process ${h.pid} on ${h.host} since ${h.since}; left to it (claim ${event.claimFile})`];
    }
    case 'stopping':
      return event.force
        ? [`${event.reason} again: stopping ${event.running} run${event.running === 1 ? '' : 's'} now (their last epoch checkpoints stay intact)`]
        : [
            `${event.reason}: stopping ${event.running} run${event.running === 1 ? '' : 's'} at the next batch` +
              (event.canForce ? `; ${event.reason === 'SIGINT' ? 'press Ctrl-C again' : 'signal again'} to stop at once` : ''),
          ];
    default:
      return [];
  }
}

export interface ProgressView {
  onEvent(event: RunnerEvent): void;
  stop(): void;
}

export function createProgressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  if (!stream.isTTY) return plainView(stream);
  const multi = new cliProgress.MultiBar(
    {
      stream,
      clearOnComplete: false,
      hideCursor: true,
      format: '{label} |{bar}| {value}/{total} {detail}',
      barsize: 24,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let overall: cliProgress.SingleBar | null = null;
  const workers = new Map<number, cliProgress.SingleBar>();
  let done = 0;
  const started = Date.now();
  return {
    onEvent(event) {
      for (const line of noticeLines(event)) multi.log(`${line}\n`);
      switch (event.type) {
        case 'plan':
          overall = multi.create(event.toRun.length, 0, { label: 'runs     ', detail: `(${event.alreadyDone} already done, ${event.plan.unavailable.length} unavailable)` });
          break;
        case 'run-start': {
          const bar = workers.get(event.worker) ?? multi.create(1, 0, { label: `worker ${event.worker}`, detail: '' });
          workers.set(event.worker, bar);
          const c = event.spec.config;
          bar.setTotal(c.training.epochs);
          bar.update(0, { detail: `${event.spec.cellName} ${c.fraction * 100}% seed ${c.seed} ${c.pipeline.size}px` });
          break;
        }
        case 'progress': {
          const bar = workers.get(event.worker);
          const e = event.event;
          const name = `${event.spec.cellName} ${event.spec.config.fraction * 100}%`;
          if (!bar) break;
          if (e.type === 'batch') {
            const frac = e.batches ? e.batch / e.batches : 0;
            bar.update(e.epoch - 1 + frac, { detail: `${name} epoch ${e.epoch}/${e.epochs} batch ${e.batch}/${e.batches ?? '?'} loss ${fmt(e.loss)} ${fmt(e.imagesPerSecond, 1)} img/s` });
          } else if (e.type === 'features' || e.type === 'probe') {
            bar.update(0, { detail: `${name} ${probeDetail(e)}` });
          } else if (e.type === 'epoch-end') {
            bar.update(e.epoch, { detail: `${name} epoch ${e.epoch}/${e.epochs} val AUROC ${fmt(e.record.valMeanAuroc)} AUPRC ${fmt(e.record.valMeanAuprc)}` });
          }
          break;
        }
        case 'run-end': {
          done += 1;
          const elapsed = (Date.now() - started) / 1000;
          const total = overall?.getTotal() ?? done;
          const eta = done > 0 ? Math.round((elapsed / done) * (total - done)) : 0;
          overall?.update(done, { detail: `last: ${event.spec.cellName} ${event.record.status}${event.record.error ? ` (${event.record.error.message.slice(0, 60)})` : ''}, ETA ${eta}s` });
          break;
        }
        default:
          break;
      }
    },
    stop() {
      // Lines given to multi.log are written at the next redraw; draw once more so none is lost on a quick exit.
      if (multi.isActive) multi.update();
      multi.stop();
    },
  };
}

/** A linear-probe run's stage: computing the frozen features, or fitting the classifier for each C. */
function probeDetail(e: Extract<TrainProgressEvent, { type: 'features' | 'probe' }>): string {
  return e.type === 'features'
    ? `frozen features ${e.done}/${e.total} images`
    : `probe C ${e.C.toExponential(0)} (${e.index}/${e.total}) val AUPRC ${fmt(e.valMeanAuprc)}`;
}

/** Seconds between progress lines of one worker in the plain view (epoch ends and run ends always print). */
const PLAIN_PROGRESS_SECONDS = 60;

/** The training fractions the plan will run, and why when they are the dataset's default ladder. */
function planFractions(event: Extract<RunnerEvent, { type: 'plan' }>): string {
  const planned = [...new Set(event.plan.runs.concat(event.plan.unavailable.map((u) => u.spec)).map((r) => r.config.fraction))].sort((a, b) => a - b);
  const isDefault = planned.join('/') === event.plan.fractions.fractions.join('/');
  return `fractions ${planned.join('/')}${isDefault ? ` (${event.plan.fractions.reason})` : ''}`;
}

function plainView(stream: NodeJS.WriteStream): ProgressView {
  const line = (text: string): void => {
    stream.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
  };
  const lastLine = new Map<number, number>();
  // Long epochs and feature passes print a line now and then, so a log shows the run is alive and how fast it goes.
  const throttled = (worker: number, text: string): void => {
    const now = performance.now();
    if (now - (lastLine.get(worker) ?? 0) < PLAIN_PROGRESS_SECONDS * 1000) return;
    lastLine.set(worker, now);
    line(text);
  };
  return {
    onEvent(event) {
      noticeLines(event).forEach(line);
      switch (event.type) {
        case 'plan':
          line(`plan: ${event.toRun.length} to run, ${event.alreadyDone} already done, ${event.plan.unavailable.length} unavailable; ${planFractions(event)}`);
          break;
        case 'worker-ready':
          line(`worker ${event.worker}: ${event.backend}`);
          break;
        case 'run-start':
          lastLine.set(event.worker, performance.now());
          line(`worker ${event.worker}: start ${event.spec.cellName} fraction ${event.spec.config.fraction} seed ${event.spec.config.seed} at ${event.spec.config.pipeline.size}px`);
          break;
        case 'progress': {
          const e = event.event;
          const who = `worker ${event.worker}: ${event.spec.cellName}`;
          if (e.type === 'epoch-end') {
            const r = e.record;
            lastLine.set(event.worker, performance.now());
            line(`${who} epoch ${r.epoch}/${e.epochs} loss ${fmt(r.trainLoss)} val AUROC ${fmt(r.valMeanAuroc)} AUPRC ${fmt(r.valMeanAuprc)} (${r.seconds.toFixed(0)} s)`);
          } else if (e.type === 'batch') {
            throttled(event.worker, `${who} epoch ${e.epoch}/${e.epochs} batch ${e.batch}/${e.batches ?? '?'} loss ${fmt(e.loss)} ${fmt(e.imagesPerSecond, 1)} img/s`);
          } else if (e.type === 'features' || e.type === 'probe') {
            if ((e.type === 'features' && e.done === e.total) || (e.type === 'probe' && e.index === e.total)) line(`${who} ${probeDetail(e)}`);
            else throttled(event.worker, `${who} ${probeDetail(e)}`);
          }
          break;
        }
        case 'run-end':
          line(`worker ${event.worker}: ${event.record.status} ${event.spec.cellName} fraction ${event.spec.config.fraction} in ${event.record.wallSeconds.toFixed(0)} s${event.record.error ? `: ${event.record.error.message}` : ''}`);
          break;
      }
    },
    stop() {},
  };
}
