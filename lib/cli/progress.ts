/**
 * Terminal progress for `rethink-tl run`: one overall bar (runs done / to run) and one bar per worker showing
 * the run, epoch, batch, ETA and the latest loss / validation metrics. Falls back to plain lines when stderr
 * is not a terminal (CI logs), so logs stay readable.
 */
import * as cliProgress from 'cli-progress';
import type { RunnerEvent } from '../experiments/runner';

const fmt = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits));

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
      multi.stop();
    },
  };
}

function plainView(stream: NodeJS.WriteStream): ProgressView {
  const line = (text: string): void => {
    stream.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
  };
  return {
    onEvent(event) {
      switch (event.type) {
        case 'plan':
          line(`plan: ${event.toRun.length} to run, ${event.alreadyDone} already done, ${event.plan.unavailable.length} unavailable; fractions ${event.plan.fractions.fractions.join('/')} (${event.plan.fractions.reason})`);
          break;
        case 'worker-ready':
          line(`worker ${event.worker}: ${event.backend}`);
          break;
        case 'run-start':
          line(`worker ${event.worker}: start ${event.spec.cellName} fraction ${event.spec.config.fraction} seed ${event.spec.config.seed} at ${event.spec.config.pipeline.size}px`);
          break;
        case 'progress':
          if (event.event.type === 'epoch-end') {
            const r = event.event.record;
            line(`worker ${event.worker}: ${event.spec.cellName} epoch ${r.epoch}/${event.event.epochs} loss ${fmt(r.trainLoss)} val AUROC ${fmt(r.valMeanAuroc)} AUPRC ${fmt(r.valMeanAuprc)} (${r.seconds.toFixed(0)} s)`);
          }
          break;
        case 'run-end':
          line(`worker ${event.worker}: ${event.record.status} ${event.spec.cellName} fraction ${event.spec.config.fraction} in ${event.record.wallSeconds.toFixed(0)} s${event.record.error ? `: ${event.record.error.message}` : ''}`);
          break;
      }
    },
    stop() {},
  };
}
