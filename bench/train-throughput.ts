/**
 * Training throughput: images/s for one training step (forward, BCE-with-logits, backward, Adam update) on
 * the wasm backend with the project's training kernels, against PyTorch on the CPU (same models, batch,
 * thread count), measured back to back in the same run, plus a per-kernel profile, peak RSS per model and
 * the wasm conv's peak GFLOP/s on this machine.
 *
 *   npx tsx bench/train-throughput.ts [--quick] [--threads N] [--batch B] [--steps S] [--repeat R]
 *                                     [--models densenet121-224,cbr-small-224] [--no-torch]
 *
 * --repeat R alternates ours/PyTorch R times per model and reports the best of each (and every value): on a
 * shared machine the best of several runs is the least contended estimate of what each side can do.
 *
 * Every model runs in its own child process: the wasm heap never shrinks, so sharing a process would make
 * peak RSS meaningless and let one model's heap starve the next.
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend';
import { densenet121 } from '../lib/models/densenet';
import { resnet50 } from '../lib/models/resnet';
import { cbr } from '../lib/models/cbr';
import { truncateDenseNet } from '../lib/models/surgery';

interface ModelSpec {
  id: string;
  torchModel: string;
  size: number;
  build(numClasses: number, size: number): tf.LayersModel;
}

const NUM_CLASSES = 14;

const MODELS: ModelSpec[] = [
  { id: 'densenet121-224', torchModel: 'densenet121', size: 224, build: (n, s) => densenet121({ numClasses: n, inputSize: s }) },
  { id: 'densenet121-128', torchModel: 'densenet121', size: 128, build: (n, s) => densenet121({ numClasses: n, inputSize: s }) },
  { id: 'resnet50-224', torchModel: 'resnet50', size: 224, build: (n, s) => resnet50({ numClasses: n, inputSize: s }) },
  { id: 'cbr-small-224', torchModel: 'cbr-small', size: 224, build: (n, s) => cbr('small', { numClasses: n, inputSize: s }) },
  {
    id: 'densenet121-t1-224',
    torchModel: 'densenet121-t1',
    size: 224,
    build: (n, s) => truncateDenseNet(densenet121({ numClasses: n, inputSize: s }), 'T1', { head: 'flatten-linear', numClasses: n }),
  },
];

interface Args {
  quick: boolean;
  threads: number;
  batch: number;
  steps: number;
  repeat: number;
  models: string[];
  torch: boolean;
  child: string | null;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    return argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  };
  const quick = argv.includes('--quick');
  return {
    quick,
    threads: Number(get('threads') ?? 1),
    batch: Number(get('batch') ?? (quick ? 4 : 8)),
    steps: Number(get('steps') ?? (quick ? 2 : 3)),
    repeat: Number(get('repeat') ?? 1),
    models: (get('models') ?? MODELS.map((m) => m.id).join(',')).split(','),
    torch: !argv.includes('--no-torch'),
    child: get('child') ?? null,
  };
}

// ---------------------------------------------------------------- per-kernel profile

interface KernelStat {
  ms: number;
  calls: number;
  flops: number;
}

function convFlops(name: string, inputs: Record<string, tf.TensorInfo>, attrs: tf.NamedAttrMap, out: tf.TensorInfo): number {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  if (name === 'Conv2D' || name === 'FusedConv2D') {
    const [kh, kw, ci] = inputs['filter'].shape;
    return 2 * size(out.shape) * kh * kw * ci;
  }
  if (name === 'Conv2DBackpropInput') {
    const [kh, kw, ci] = inputs['filter'].shape;
    return 2 * size(inputs['dy'].shape) * kh * kw * ci;
  }
  if (name === 'Conv2DBackpropFilter') {
    const [kh, kw, ci] = attrs['filterShape'] as number[];
    return 2 * size(inputs['dy'].shape) * kh * kw * ci;
  }
  if (name === 'BatchMatMul' || name === '_FusedMatMul') {
    const a = inputs['a'].shape;
    return 2 * size(out.shape) * (attrs['transposeA'] ? a[a.length - 2] : a[a.length - 1]);
  }
  return 0;
}

/** Wraps every wasm kernel with a wall-clock timer; nested kernel calls count towards their caller only. */
function installKernelTimers(stats: Map<string, KernelStat>): void {
  let depth = 0;
  for (const config of tf.getKernelsForBackend('wasm')) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (depth > 0) return inner(args);
        depth++;
        const t0 = performance.now();
        try {
          const out = inner(args);
          const ms = performance.now() - t0;
          const s = stats.get(name) ?? { ms: 0, calls: 0, flops: 0 };
          s.ms += ms;
          s.calls += 1;
          const first = Array.isArray(out) ? out[0] : out;
          s.flops += convFlops(name, args.inputs as Record<string, tf.TensorInfo>, args.attrs ?? {}, first);
          stats.set(name, s);
          return out;
        } finally {
          depth--;
        }
      },
    });
  }
}

// ---------------------------------------------------------------- child: one model on wasm

function peakConvGflops(): number {
  // The best rate wasm's XNNPACK reaches here, over the shapes it handles best (a wide 3x3 conv, a 1x1 conv
  // that is a pure GEMM, a square matmul), so the ceiling computed from it is not set by one unlucky shape.
  const shapes: Array<{ x: number[]; w: number[]; kind: 'conv' | 'matmul' }> = [
    { x: [8, 56, 56, 128], w: [3, 3, 128, 128], kind: 'conv' },
    { x: [8, 28, 28, 512], w: [1, 1, 512, 512], kind: 'conv' },
    { x: [1024, 1024], w: [1024, 1024], kind: 'matmul' },
  ];
  let bestGflops = 0;
  for (const shape of shapes) {
    tf.tidy(() => {
      const x = tf.randomNormal(shape.x);
      const w = tf.randomNormal(shape.w);
      const run = (): tf.Tensor =>
        shape.kind === 'conv' ? tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') : tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
      const flops =
        shape.kind === 'conv'
          ? 2 * shape.x[0] * shape.x[1] * shape.x[2] * shape.w[0] * shape.w[1] * shape.w[2] * shape.w[3]
          : 2 * shape.x[0] * shape.x[1] * shape.w[1];
      run().dataSync();
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        run().dataSync();
        bestGflops = Math.max(bestGflops, flops / (performance.now() - t0) / 1e6);
      }
    });
  }
  return bestGflops;
}

async function runChild(spec: ModelSpec, args: Args): Promise<void> {
  const info = await initBackend({ backend: 'wasm', threads: args.threads });
  const model = spec.build(NUM_CLASSES, spec.size);
  const optimizer = tf.train.adam(1e-4);
  const x = tf.randomNormal([args.batch, spec.size, spec.size, 3]);
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([args.batch, NUM_CLASSES]), 0.5), 'float32'));
  const step = (): void => {
    const loss = optimizer.minimize(
      () => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    );
    loss?.dataSync();
    loss?.dispose();
  };
  step(); // warm-up: creates Adam slots and XNNPACK operators
  const tensorsAfterWarmup = tf.memory().numTensors;
  const times: number[] = [];
  for (let i = 0; i < args.steps; i++) {
    const t0 = performance.now();
    step();
    times.push((performance.now() - t0) / 1000);
  }
  const peakGflops = peakConvGflops(); // before the timers go in, so it is not counted in the profile
  const stats = new Map<string, KernelStat>();
  installKernelTimers(stats);
  const t0 = performance.now();
  step();
  const profiledSeconds = (performance.now() - t0) / 1000;
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const result = {
    id: spec.id,
    backend: info,
    batch: args.batch,
    stepSeconds: times,
    meanStepSeconds: mean,
    imagesPerSecond: args.batch / mean,
    tensorLeakPerStep: (tf.memory().numTensors - tensorsAfterWarmup) / (args.steps + 1),
    profiledStepSeconds: profiledSeconds,
    kernels: Object.fromEntries(stats),
    peakConvGflops: peakGflops,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------- parent: orchestrate, print

interface ChildResult {
  id: string;
  backend: { threads: number; version: string };
  batch: number;
  meanStepSeconds: number;
  imagesPerSecond: number;
  tensorLeakPerStep: number;
  profiledStepSeconds: number;
  kernels: Record<string, KernelStat>;
  peakConvGflops: number;
  peakRssMiB: number;
}

interface TorchResult {
  imagesPerSecond: number;
  meanStepSeconds: number;
  peakRssMiB: number;
  torch: string;
}

function runOurs(spec: ModelSpec, args: Args): ChildResult | { error: string } {
  const childArgs = [
    ...process.execArgv,
    __filename,
    '--child',
    spec.id,
    '--threads',
    String(args.threads),
    '--batch',
    String(args.batch),
    '--steps',
    String(args.steps),
  ];
  const r = spawnSync(process.execPath, childArgs, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (line == null) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
    return { error: `exit ${r.status}${r.signal ? ` ${r.signal}` : ''}: ${tail}` };
  }
  return JSON.parse(line.slice('@@RESULT '.length)) as ChildResult;
}

function runTorch(spec: ModelSpec, args: Args): TorchResult | { error: string } {
  const script = path.join(__dirname, 'train-throughput-torch.py');
  const r = spawnSync(
    '/usr/bin/python3',
    [script, '--model', spec.torchModel, '--size', String(spec.size), '--batch', String(args.batch), '--threads', String(args.threads), '--steps', String(args.steps), '--classes', String(NUM_CLASSES)],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) return { error: `exit ${r.status}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}` };
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as TorchResult;
}

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

const CONV_KERNELS = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];

/**
 * The wasm ceiling for this model: the images/s a step would reach if every conv FLOP (forward, dX, dW) ran
 * at the wasm conv's measured peak and everything else (BatchNorm, pooling, Adam, ...) took no time at all.
 * No kernel work inside the wasm backend can beat it, so ceiling / PyTorch bounds the reachable ratio.
 */
function wasmCeilingImagesPerSecond(r: ChildResult): number {
  const convFlops = CONV_KERNELS.map((n) => r.kernels[n]?.flops ?? 0).reduce((a, b) => a + b, 0);
  return r.batch / (convFlops / (r.peakConvGflops * 1e9));
}

function printProfile(r: ChildResult): void {
  const entries = Object.entries(r.kernels).sort((a, b) => b[1].ms - a[1].ms);
  const total = entries.reduce((a, [, s]) => a + s.ms, 0);
  console.log(`\n  per-kernel profile, ${r.id} (one profiled step: ${fmt(r.profiledStepSeconds)} s, kernels ${fmt(total / 1000)} s):`);
  for (const [name, s] of entries.slice(0, 14)) {
    const gf = s.flops > 0 ? `  ${fmt(s.flops / s.ms / 1e6, 1)} GFLOP/s` : '';
    console.log(`    ${name.padEnd(22)} ${fmt(s.ms / 1000).padStart(7)} s  ${fmt((100 * s.ms) / total, 1).padStart(5)} %  ${String(s.calls).padStart(5)} calls${gf}`);
  }
  const conv = CONV_KERNELS.map((n) => r.kernels[n]).filter((s): s is KernelStat => s != null);
  const convMs = conv.reduce((a, s) => a + s.ms, 0);
  const convFlops = conv.reduce((a, s) => a + s.flops, 0);
  console.log(
    `    conv total ${fmt(convMs / 1000)} s at ${fmt(convFlops / convMs / 1e6, 1)} GFLOP/s (${fmt(convFlops / 1e9, 1)} GFLOP/step); ` +
      `whole step ${fmt(convFlops / 1e9 / r.profiledStepSeconds, 1)} GFLOP/s; wasm conv peak on this machine ${fmt(r.peakConvGflops, 1)} GFLOP/s`,
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child != null) {
    const spec = MODELS.find((m) => m.id === args.child);
    if (spec == null) throw new Error(`unknown model ${args.child}`);
    await runChild(spec, args);
    // The threaded wasm build keeps pthread workers alive; leave explicitly once the result is written.
    process.exit(0);
  }
  const load = os.loadavg()[0];
  console.log(
    `train-throughput: batch ${args.batch}, ${args.steps} timed steps after 1 warm-up, threads ${args.threads}, ` +
      `best of ${args.repeat} alternating run(s), ` +
      `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${fmt(load)} at start.`,
  );
  console.log(
    'NOTE: timings on a shared machine (other jobs may be running); ours and PyTorch run back to back per model, ' +
      'so compare the ratio, not absolute numbers across runs.\n',
  );
  const rows: string[][] = [];
  const results: ChildResult[] = [];
  for (const id of args.models) {
    const spec = MODELS.find((m) => m.id === id);
    if (spec == null) throw new Error(`unknown model ${id}; known: ${MODELS.map((m) => m.id).join(', ')}`);
    const oursRuns: Array<ChildResult | { error: string }> = [];
    const torchRuns: Array<TorchResult | { error: string }> = [];
    for (let r = 0; r < args.repeat; r++) {
      oursRuns.push(runOurs(spec, args));
      torchRuns.push(args.torch ? runTorch(spec, args) : { error: 'skipped' });
    }
    const best = <T extends { imagesPerSecond: number }>(runs: Array<T | { error: string }>): T | { error: string } => {
      const ok = runs.filter((r): r is T => !('error' in r));
      return ok.length > 0 ? ok.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a)) : runs[0];
    };
    const all = (runs: Array<{ imagesPerSecond: number } | { error: string }>): string =>
      runs.length > 1 ? ` (${runs.map((r) => ('error' in r ? 'x' : fmt(r.imagesPerSecond))).join('/')})` : '';
    const ours = best(oursRuns);
    const torch = best(torchRuns);
    const oursIps = 'error' in ours ? NaN : ours.imagesPerSecond;
    const torchIps = 'error' in torch ? NaN : torch.imagesPerSecond;
    rows.push([
      spec.id,
      String(args.batch),
      'error' in ours ? `FAILED ${ours.error}` : fmt(oursIps) + all(oursRuns),
      'error' in torch ? torch.error : fmt(torchIps) + all(torchRuns),
      fmt(oursIps / torchIps),
      'error' in ours ? '-' : fmt(ours.peakRssMiB, 0),
      'error' in torch ? '-' : fmt(torch.peakRssMiB, 0),
      'error' in ours ? '-' : String(ours.tensorLeakPerStep),
      'error' in ours ? '-' : `${fmt(wasmCeilingImagesPerSecond(ours))} (${fmt(wasmCeilingImagesPerSecond(ours) / torchIps)})`,
      'error' in ours ? '-' : `${fmt((100 * oursIps) / wasmCeilingImagesPerSecond(ours), 0)} %`,
    ]);
    console.log(`  ${rows[rows.length - 1].join('  ')}`);
    if (!('error' in ours)) results.push(ours);
  }
  const header = ['model', 'batch', 'ours img/s', 'PyTorch img/s', 'ours/PyTorch', 'ours peak RSS MiB', 'PyTorch peak RSS MiB', 'tensor leak/step', 'wasm ceiling img/s (/PyTorch)', 'ours/ceiling'];
  console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(
    '\nwasm ceiling = batch / (conv FLOP per step / peak wasm conv GFLOP/s): every conv at the measured peak, ' +
      'all other kernels free. Its ratio to PyTorch is the most any wasm-side kernel work could reach.',
  );
  for (const r of results) printProfile(r);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
