/**
 * Training throughput: images/s of one training step (forward, BCE with logits, backward, the project's
 * TorchAdam) on the native oneDNN backend (and optionally wasm), against PyTorch on the CPU with the same model,
 * batch and thread count, run back to back in the same invocation; peak RSS of both sides; and a per-kernel
 * profile of the first configuration.
 *
 *   npx tsx bench/train-throughput.ts [--threads 1,2] [--backends native,wasm] [--steps S] [--repeat R]
 *       [--configs densenet121-224@8,densenet121-224@32,...] [--quick] [--no-torch]
 *
 * PyTorch is pinned to the thread count the way it must be: torch.set_num_threads(n) AND OMP_NUM_THREADS /
 * OPENBLAS_NUM_THREADS / MKL_NUM_THREADS set to n before torch is imported (at small batch its 1x1 convs go
 * through OpenBLAS, whose pool ignores set_num_threads). Both sides run with OMP_WAIT_POLICY=passive (what the
 * native addon sets unless the environment says otherwise; see lib/kernels/native/addon.ts).
 *
 * --repeat R alternates ours and PyTorch R times per configuration and keeps the best of each: on a shared
 * machine the best of several runs is the least contended estimate of what each side can do. The table also
 * gives the ratio of images per CPU-second (process user + system time, all threads), which other jobs on the
 * machine disturb much less than wall time. Every measurement runs in its own child process, so peak RSS is
 * that configuration's alone.
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from '../lib/backend';
import { buildModel } from '../lib/experiments/model-factory';
import { cbr } from '../lib/models/cbr';
import { densenet121 } from '../lib/models/densenet';
import { resnet50 } from '../lib/models/resnet';
import { truncateDenseNet } from '../lib/models/surgery';
import { TorchAdam } from '../lib/train/adam';

const NUM_CLASSES = 14;

interface ModelSpec {
  id: string;
  torchModel: string;
  size: number;
  build(numClasses: number, size: number): Promise<tf.LayersModel>;
}

const MODELS: ModelSpec[] = [
  { id: 'densenet121-224', torchModel: 'densenet121', size: 224, build: async (n, s) => densenet121({ numClasses: n, inputSize: s }) },
  { id: 'densenet121-128', torchModel: 'densenet121', size: 128, build: async (n, s) => densenet121({ numClasses: n, inputSize: s }) },
  { id: 'resnet50-224', torchModel: 'resnet50', size: 224, build: async (n, s) => resnet50({ numClasses: n, inputSize: s }) },
  {
    id: 'resnet50k-224',
    torchModel: 'resnet50-keras',
    size: 224,
    // The grid's ResNet50K architecture (Keras v1: stride on the 1x1 conv, conv biases), randomly initialised.
    build: (n, s) => buildModel({ id: 'resnet50-keras', truncation: 'F', head: 'gap-linear' }, 'RI', { numClasses: n, inputSize: s, seed: 0, weights: null }),
  },
  { id: 'cbr-small-224', torchModel: 'cbr-small', size: 224, build: async (n, s) => cbr('small', { numClasses: n, inputSize: s }) },
  {
    id: 'densenet121-t1-224',
    torchModel: 'densenet121-t1',
    size: 224,
    build: async (n, s) => truncateDenseNet(densenet121({ numClasses: n, inputSize: s }), 'T1', { head: 'flatten-linear', numClasses: n }),
  },
];

const DEFAULT_CONFIGS = [
  'densenet121-224@8',
  'densenet121-224@32',
  'densenet121-128@8',
  'resnet50-224@8',
  'resnet50k-224@8',
  'cbr-small-224@8',
  'densenet121-t1-224@8',
];

interface Config {
  spec: ModelSpec;
  batch: number;
}

interface Args {
  threads: number[];
  backends: BackendChoice[];
  configs: Config[];
  steps: number;
  repeat: number;
  torch: boolean;
  child: { backend: BackendChoice; config: Config; threads: number; profile: boolean } | null;
}

function parseConfig(text: string): Config {
  const [id, batch] = text.split('@');
  const spec = MODELS.find((m) => m.id === id);
  if (spec == null) throw new Error(`unknown model '${id}' in --configs; known: ${MODELS.map((m) => m.id).join(', ')}`);
  const b = Number(batch ?? 8);
  if (!Number.isInteger(b) || b < 1) throw new Error(`--configs: bad batch in '${text}'`);
  return { spec, batch: b };
}

const FLAGS = ['threads', 'backends', 'configs', 'steps', 'repeat', 'quick', 'no-torch', 'child', 'child-backend', 'child-threads', 'profile'];

function parseArgs(argv: string[]): Args {
  for (const a of argv) {
    if (a.startsWith('--') && !FLAGS.includes(a.slice(2).split('=')[0])) throw new Error(`unknown option ${a}; options: ${FLAGS.map((f) => `--${f}`).join(' ')}`);
  }
  const get = (name: string): string | undefined => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    return argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  };
  const quick = argv.includes('--quick');
  const child = get('child');
  return {
    threads: (get('threads') ?? (quick ? '1' : '1,2')).split(',').map(Number),
    backends: (get('backends') ?? 'native').split(',') as BackendChoice[],
    configs: (get('configs') ?? (quick ? 'densenet121-128@4' : DEFAULT_CONFIGS.join(','))).split(',').map(parseConfig),
    steps: Number(get('steps') ?? (quick ? 2 : 3)),
    repeat: Number(get('repeat') ?? 1),
    torch: !argv.includes('--no-torch'),
    child:
      child == null
        ? null
        : {
            config: parseConfig(child),
            backend: get('child-backend') as BackendChoice,
            threads: Number(get('child-threads')),
            profile: argv.includes('--profile'),
          },
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
  return 0;
}

/** Wraps every kernel of `backend` with a wall-clock timer; nested kernel calls count towards their caller. */
function installKernelTimers(backend: string, stats: Map<string, KernelStat>): void {
  let depth = 0;
  for (const config of tf.getKernelsForBackend(backend)) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    tf.unregisterKernel(name, backend);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (depth > 0) return inner(args);
        depth++;
        const t0 = performance.now();
        try {
          const out = inner(args);
          const s = stats.get(name) ?? { ms: 0, calls: 0, flops: 0 };
          s.ms += performance.now() - t0;
          s.calls += 1;
          s.flops += convFlops(name, args.inputs as Record<string, tf.TensorInfo>, args.attrs ?? {}, Array.isArray(out) ? out[0] : out);
          stats.set(name, s);
          return out;
        } finally {
          depth--;
        }
      },
    });
  }
}

// ---------------------------------------------------------------- child: one configuration on one backend

interface ChildResult {
  imagesPerSecond: number;
  /** Images per second of process CPU time (all threads): less sensitive than wall time to other jobs. */
  imagesPerCpuSecond: number;
  stepSeconds: number[];
  tensorLeakPerStep: number;
  peakRssMiB: number;
  backend: { backend: string; version: string; threads: number; isa?: string };
  profile: { stepMs: number; adamMs: number; kernels: Record<string, KernelStat> } | null;
  /**
   * wasm only: the images/s of a step whose every conv FLOP ran at the wasm conv's measured peak and everything
   * else took no time. No wasm kernel work can beat it.
   */
  wasmCeiling?: number;
}

/**
 * The best rate wasm's XNNPACK reaches here, over the shapes it handles best (a wide 3x3 conv, a 1x1 conv that
 * is a pure GEMM, a square matmul), so the ceiling computed from it is not set by one unlucky shape.
 */
function peakWasmConvGflops(): number {
  const shapes: Array<{ x: number[]; w: number[]; kind: 'conv' | 'matmul' }> = [
    { x: [8, 56, 56, 128], w: [3, 3, 128, 128], kind: 'conv' },
    { x: [8, 28, 28, 512], w: [1, 1, 512, 512], kind: 'conv' },
    { x: [1024, 1024], w: [1024, 1024], kind: 'matmul' },
  ];
  let best = 0;
  for (const shape of shapes) {
    tf.tidy(() => {
      const x = tf.randomNormal(shape.x);
      const w = tf.randomNormal(shape.w);
      const run = (): tf.Tensor =>
        shape.kind === 'conv' ? tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') : tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
      const flops = shape.kind === 'conv' ? 2 * shape.x[0] * shape.x[1] * shape.x[2] * shape.w[0] * shape.w[1] * shape.w[2] * shape.w[3] : 2 * shape.x[0] * shape.x[1] * shape.w[1];
      run().dataSync();
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        run().dataSync();
        best = Math.max(best, flops / (performance.now() - t0) / 1e6);
      }
    });
  }
  return best;
}

/** A training step as lib/train runs it: variableGrads over BCE with logits, then TorchAdam. */
function trainingStep(model: tf.LayersModel, vars: tf.Variable[], adam: TorchAdam, x: tf.Tensor, y: tf.Tensor): { adamMs: number } {
  const { value, grads } = tf.variableGrads(
    () => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    vars,
  );
  value.dataSync();
  const t0 = performance.now();
  adam.apply(vars.map((v) => grads[v.name]));
  const adamMs = performance.now() - t0;
  tf.dispose([value, ...Object.values(grads)]);
  return { adamMs };
}

async function runChild(child: NonNullable<Args['child']>, steps: number): Promise<ChildResult> {
  const info = await initBackend({ backend: child.backend, threads: child.threads });
  const { spec, batch } = child.config;
  const model = await spec.build(NUM_CLASSES, spec.size);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const adam = new TorchAdam(vars, { learningRate: 1e-4 });
  const x = tf.randomNormal([batch, spec.size, spec.size, 3], 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, NUM_CLASSES], 0, 1, 'float32', 2), 0.5), 'float32'));
  trainingStep(model, vars, adam, x, y); // warm-up: Adam state, primitive creation, buffer pool
  const tensorsAfterWarmup = tf.memory().numTensors;
  const stepSeconds: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    trainingStep(model, vars, adam, x, y);
    stepSeconds.push((performance.now() - t0) / 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  let profile: ChildResult['profile'] = null;
  const peakGflops = child.backend === 'wasm' ? peakWasmConvGflops() : 0; // before the timers go in
  if (child.profile || child.backend === 'wasm') {
    const stats = new Map<string, KernelStat>();
    installKernelTimers(child.backend, stats);
    const t0 = performance.now();
    const { adamMs } = trainingStep(model, vars, adam, x, y);
    profile = { stepMs: performance.now() - t0, adamMs, kernels: Object.fromEntries(stats) };
  }
  const mean = stepSeconds.reduce((a, b) => a + b, 0) / stepSeconds.length;
  const convFlop = profile ? CONV_KERNELS.reduce((a, n) => a + (profile!.kernels[n]?.flops ?? 0), 0) : 0;
  return {
    ...(child.backend === 'wasm' && convFlop > 0 ? { wasmCeiling: batch / (convFlop / (peakGflops * 1e9)) } : {}),
    imagesPerSecond: batch / mean,
    imagesPerCpuSecond: (batch * steps) / ((cpu.user + cpu.system) / 1e6),
    stepSeconds,
    tensorLeakPerStep: (tf.memory().numTensors - tensorsAfterWarmup) / steps,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    backend: { backend: info.backend, version: info.version, threads: info.threads, ...(info.isa ? { isa: info.isa } : {}) },
    profile: child.profile ? profile : null,
  };
}

// ---------------------------------------------------------------- parent: orchestrate, print

interface TorchResult {
  imagesPerSecond: number;
  imagesPerCpuSecond: number;
  peakRssMiB: number;
  torch: string;
}

type Outcome<T> = T | { error: string };

function spawnOurs(backend: BackendChoice, config: Config, threads: number, steps: number, profile: boolean): Outcome<ChildResult> {
  const args = [...process.execArgv, __filename, '--child', `${config.spec.id}@${config.batch}`, '--child-backend', backend];
  args.push('--child-threads', String(threads), '--steps', String(steps), ...(profile ? ['--profile'] : []));
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (line == null) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
    return { error: `exit ${r.status}${r.signal ? ` ${r.signal}` : ''}: ${tail}` };
  }
  return JSON.parse(line.slice('@@RESULT '.length)) as ChildResult;
}

function spawnTorch(config: Config, threads: number, steps: number): Outcome<TorchResult> {
  const script = path.join(__dirname, 'train-throughput-torch.py');
  const n = String(threads);
  const args = [script, '--model', config.spec.torchModel, '--size', String(config.spec.size), '--batch', String(config.batch)];
  args.push('--threads', n, '--steps', String(steps), '--classes', String(NUM_CLASSES));
  // The same OpenMP wait policy as our side (the native addon makes idle threads sleep unless told otherwise).
  const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n, OMP_WAIT_POLICY: process.env['OMP_WAIT_POLICY'] ?? 'passive' };
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', env });
  if (r.status !== 0) return { error: `exit ${r.status}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}` };
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as TorchResult;
}

function best<T extends { imagesPerSecond: number }>(runs: Array<Outcome<T>>): Outcome<T> {
  const ok = runs.filter((r): r is T => !('error' in r));
  return ok.length > 0 ? ok.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a)) : runs[0];
}

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function cell<T extends { imagesPerSecond: number }>(runs: Array<Outcome<T>>): string {
  const b = best(runs);
  if ('error' in b) return `FAILED ${b.error}`;
  const all = runs.length > 1 ? ` (${runs.map((r) => ('error' in r ? 'x' : fmt(r.imagesPerSecond))).join('/')})` : '';
  return fmt(b.imagesPerSecond) + all;
}

const CONV_KERNELS = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];

function printProfile(label: string, p: NonNullable<ChildResult['profile']>): void {
  const entries = Object.entries(p.kernels).sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = entries.reduce((a, [, s]) => a + s.ms, 0);
  const rest = p.stepMs - kernelMs - p.adamMs;
  console.log(`\nper-kernel profile, ${label}: step ${fmt(p.stepMs, 0)} ms = kernels ${fmt(kernelMs, 0)} + fused Adam ${fmt(p.adamMs, 0)} + engine/tape/JS ${fmt(rest, 0)} ms`);
  console.log('| kernel | ms | % of step | calls | GFLOP/s |\n|---|---|---|---|---|');
  for (const [name, s] of entries.slice(0, 18)) {
    const gf = s.flops > 0 ? fmt(s.flops / s.ms / 1e6, 1) : '';
    console.log(`| ${name} | ${fmt(s.ms, 1)} | ${fmt((100 * s.ms) / p.stepMs, 1)} | ${s.calls} | ${gf} |`);
  }
  const conv = CONV_KERNELS.map((n) => p.kernels[n]).filter((s): s is KernelStat => s != null);
  const convMs = conv.reduce((a, s) => a + s.ms, 0);
  const convFlop = conv.reduce((a, s) => a + s.flops, 0);
  console.log(`convolutions: ${fmt(convMs, 0)} ms (${fmt((100 * convMs) / p.stepMs, 0)} % of the step) at ${fmt(convFlop / convMs / 1e6, 1)} GFLOP/s`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child != null) {
    const result = await runChild(args.child, args.steps);
    process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`);
    process.exit(0); // the threaded wasm build keeps pthread workers alive
  }
  console.log(
    `train-throughput: ${args.steps} timed steps after 1 warm-up, best of ${args.repeat} alternating run(s), ` +
      `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${fmt(os.loadavg()[0])} at start. ` +
      'Timings on a shared machine: compare the ratio (same configuration, back to back), not absolute numbers across runs.\n',
  );
  const header = [
    'model', 'batch', 'threads', ...args.backends.map((b) => `${b} img/s`), 'PyTorch img/s', `${args.backends[0]}/PyTorch`,
    'per CPU-second ratio', 'peak RSS ours / PyTorch MiB', 'RSS ratio',
  ];
  const rows: string[][] = [];
  let profiled: { label: string; profile: NonNullable<ChildResult['profile']> } | null = null;
  for (const threads of args.threads) {
    for (const config of args.configs) {
      const ours = new Map<BackendChoice, Array<Outcome<ChildResult>>>(args.backends.map((b) => [b, []]));
      const torch: Array<Outcome<TorchResult>> = [];
      const profileThis = profiled == null && threads === args.threads[0];
      for (let r = 0; r < args.repeat; r++) {
        for (const b of args.backends) ours.get(b)!.push(spawnOurs(b, config, threads, args.steps, profileThis && r === 0 && b === args.backends[0]));
        torch.push(args.torch ? spawnTorch(config, threads, args.steps) : { error: 'skipped' });
      }
      const first = best(ours.get(args.backends[0])!);
      const t = best(torch);
      const ratio = 'error' in first || 'error' in t ? NaN : first.imagesPerSecond / t.imagesPerSecond;
      const cpuRatio = 'error' in first || 'error' in t ? NaN : first.imagesPerCpuSecond / t.imagesPerCpuSecond;
      const rss = 'error' in first ? '-' : `${fmt(first.peakRssMiB, 0)} / ${'error' in t ? '-' : fmt(t.peakRssMiB, 0)}`;
      const rssRatio = 'error' in first || 'error' in t ? NaN : first.peakRssMiB / t.peakRssMiB;
      const perBackend = args.backends.map((b) => {
        const r = best(ours.get(b)!);
        const ceiling = !('error' in r) && r.wasmCeiling != null ? ` (ceiling ${fmt(r.wasmCeiling)})` : '';
        return cell(ours.get(b)!) + ceiling;
      });
      rows.push([config.spec.id, String(config.batch), String(threads), ...perBackend, cell(torch), fmt(ratio), fmt(cpuRatio), rss, fmt(rssRatio)]);
      console.log(`  ${rows[rows.length - 1].join('  ')}`);
      const withProfile = ours.get(args.backends[0])!.find((o): o is ChildResult => !('error' in o) && o.profile != null);
      if (withProfile != null) profiled = { label: `${config.spec.id} batch ${config.batch}, ${threads} thread(s), ${args.backends[0]}`, profile: withProfile.profile! };
    }
  }
  console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  if (args.backends.includes('wasm')) {
    console.log(
      '\nwasm ceiling = batch / (conv FLOP per step / peak wasm conv GFLOP/s): every conv at the measured peak, all ' +
        'other kernels free; the most any wasm-side kernel work could reach.',
    );
  }
  if (profiled != null) printProfile(profiled.label, profiled.profile);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
