/**
 * Metrics benchmark: ours vs scikit-learn on the same data, in the same run.
 *
 *   npx tsx bench/metrics.ts            # n = 1e6
 *   npx tsx bench/metrics.ts 200000     # other n
 *
 * Data: n scores with ~10% positives (seeded), written to a temp binary file that a /usr/bin/python3
 * (Debian python3-sklearn) child reads with numpy.fromfile and times with time.perf_counter. The two sides
 * take turns for ROUNDS rounds (RUNS timed runs after WARMUP untimed ones each), so a load spike on a shared
 * machine hits both rather than one; the table gives the median over all timed runs and the range of the
 * per-round ratios. Values are cross-checked (|diff| < 1e-9).
 * Target (issue 2): ratio sklearn/ours >= 2 for auroc and both auprc methods.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { auprc, auroc, prCurve, rocCurve } from '../lib/metrics';
import { createRng } from '../lib/util/random';

const ROUNDS = 3;
const WARMUP = 1;
const RUNS = 5;
const PYTHON = '/usr/bin/python3';

interface Row {
  metric: string;
  target: boolean;
  ours: () => number;
  /** Python expression over y (int64 labels) and s (float64 scores) returning a float. */
  sklearn: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Timing {
  /** Timed runs, ms. */
  times: number[];
  value: number;
}

function timeOurs(f: () => number): Timing {
  let value = NaN;
  for (let i = 0; i < WARMUP; i++) value = f();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    value = f();
    times.push(performance.now() - t0);
  }
  return { times, value };
}

const PY_TIMER = `
import json, sys, time
import numpy as np, sklearn
from sklearn.metrics import roc_auc_score, precision_recall_curve, auc, average_precision_score, roc_curve
y = np.fromfile(sys.argv[1], dtype=np.uint8).astype(np.int64)
s = np.fromfile(sys.argv[2], dtype=np.float64)
exprs = json.loads(sys.argv[3]); warmup, runs = int(sys.argv[4]), int(sys.argv[5])
out = {"sklearn": sklearn.__version__, "numpy": np.__version__, "results": []}
for e in exprs:
    f = eval("lambda: " + e)
    for _ in range(warmup): v = f()
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter(); v = f(); ts.append((time.perf_counter() - t0) * 1000)
    out["results"].append({"times": ts, "value": float(v)})
print(json.dumps(out))
`;

function main(): void {
  const n = Number(process.argv[2] ?? 1e6);
  if (!Number.isInteger(n) || n < 10) throw new Error(`n must be an integer >= 10, got ${process.argv[2]}`);

  const rng = createRng(20210609);
  const labels = new Uint8Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.next() < 0.1 ? 1 : 0;
    scores[i] = rng.next() + 0.3 * labels[i]!; // some signal, all scores distinct (in practice)
  }

  const rows: Row[] = [
    { metric: 'auroc', target: true, ours: () => auroc(labels, scores), sklearn: 'roc_auc_score(y, s)' },
    {
      metric: 'auprc (trapezoid)',
      target: true,
      ours: () => auprc(labels, scores, 'trapezoid'),
      sklearn: 'auc(*precision_recall_curve(y, s)[1::-1])',
    },
    {
      metric: 'auprc (average-precision)',
      target: true,
      ours: () => auprc(labels, scores, 'average-precision'),
      sklearn: 'average_precision_score(y, s)',
    },
    {
      metric: 'rocCurve (full)',
      target: false,
      ours: () => rocCurve(labels, scores).fpr.length,
      sklearn: 'len(roc_curve(y, s, drop_intermediate=False)[0])',
    },
    {
      metric: 'prCurve',
      target: false,
      ours: () => prCurve(labels, scores).precision.length,
      sklearn: 'len(precision_recall_curve(y, s)[0])',
    },
  ];

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-bench-metrics-'));
  try {
    const labelFile = path.join(dir, 'labels.u8');
    const scoreFile = path.join(dir, 'scores.f64');
    fs.writeFileSync(labelFile, labels);
    fs.writeFileSync(scoreFile, new Uint8Array(scores.buffer));

    const ours: Timing[][] = [];
    const sklearn: Timing[][] = [];
    let versions = { sklearn: '?', numpy: '?' };
    for (let round = 0; round < ROUNDS; round++) {
      ours.push(rows.map((r) => timeOurs(r.ours)));
      const args = [labelFile, scoreFile, JSON.stringify(rows.map((r) => r.sklearn)), String(WARMUP), String(RUNS)];
      const py = spawnSync(PYTHON, ['-c', PY_TIMER, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (py.status !== 0) throw new Error(`${PYTHON} failed (status ${py.status}):\n${py.stderr}`);
      const out = JSON.parse(py.stdout) as { sklearn: string; numpy: string; results: Timing[] };
      versions = { sklearn: out.sklearn, numpy: out.numpy };
      sklearn.push(out.results);
    }
    const sk = { ...versions };

    console.log(`metrics benchmark: n = ${n}, ${labels.reduce((a, b) => a + b, 0)} positives, float64 scores`);
    console.log(
      `node ${process.version} | scikit-learn ${sk.sklearn} (numpy ${sk.numpy}, Debian ${PYTHON}) | ` +
        `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length} | load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    );
    console.log(
      `${ROUNDS} alternating rounds x ${RUNS} timed runs (after ${WARMUP} warm-up) per side; medians over all ` +
        `timed runs. Shared machine: timings vary with other load, the per-round ratio range shows how much.\n`,
    );
    const header = ['metric', 'ours ms', 'sklearn ms', 'ratio sklearn/ours', 'per-round ratios', 'target >= 2x', 'value check'];
    const table = rows.map((r, i) => {
      const ourMs = median(ours.flatMap((round) => round[i]!.times));
      const skMs = median(sklearn.flatMap((round) => round[i]!.times));
      const roundRatios = ours.map((round, k) => median(sklearn[k]![i]!.times) / median(round[i]!.times));
      const ratio = skMs / ourMs;
      const ourValue = ours[0]![i]!.value;
      const skValue = sklearn[0]![i]!.value;
      const agrees = Math.abs(ourValue - skValue) <= 1e-9 * Math.max(1, Math.abs(skValue));
      return [
        r.metric,
        ourMs.toFixed(1),
        skMs.toFixed(1),
        `${ratio.toFixed(2)}x`,
        `${Math.min(...roundRatios).toFixed(2)}-${Math.max(...roundRatios).toFixed(2)}x`,
        r.target ? (Math.min(...roundRatios) >= 2 ? 'met' : ratio >= 2 ? 'met (median)' : 'MISSED') : '-',
        agrees ? 'equal' : `DIFFERS (${ourValue} vs ${skValue})`,
      ];
    });
    const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c]!.length)));
    const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of table) console.log(line(row));
    if (table.some((row) => row[6]!.startsWith('DIFFERS'))) process.exitCode = 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
