/**
 * Reading full-size PyTorch checkpoints: ours (`readTorchCheckpoint`, then `loadTorchvisionWeights` into our
 * model, which adds the layout conversion and tfjs upload) against `torch.load` on the same files, in the same
 * run. The files are torchvision DenseNet121 / ResNet50 state dicts written by bench/torch-checkpoint-torch.py
 * laid out as the published files are (one contiguous float32 storage per tensor), in both container formats;
 * each model loaded from each file must also reproduce torch's logits (the full-size counterpart of
 * test/models/torch-checkpoint.test.ts, whose committed fixtures are small strided views).
 *   npx tsx bench/torch-checkpoint.ts [--repeats 5]
 * Needs Debian python3-torch / python3-torchvision (the reference only).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { densenet121, loadTorchvisionWeights, readTorchCheckpoint, resnet50 } from '../lib/models';

const args = process.argv.slice(2);
const repeatsAt = args.indexOf('--repeats');
const repeats = repeatsAt >= 0 ? Number(args[repeatsAt + 1]) : 5;

interface TorchFile {
  architecture: 'densenet121' | 'resnet50';
  path: string;
  bytes: number;
  torchLoadSeconds: number;
  logits: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeIt(run: () => void): number {
  const seconds: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    run();
    seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(seconds);
}

function goldenInput(): tf.Tensor4D {
  const data = new Float32Array(3 * 64 * 64);
  for (let j = 0; j < data.length; j++) data[j] = Math.sin(0.0137 * j) + 0.5 * Math.cos(0.291 * j + 0.3);
  return tf.tensor4d(data, [1, 3, 64, 64]).transpose([0, 2, 3, 1]);
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rethink-bench-torch-'));
  try {
    const r = spawnSync('/usr/bin/python3', [path.join(__dirname, 'torch-checkpoint-torch.py'), dir, String(repeats)], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`torch peer failed: ${r.stderr}`);
    const peer = JSON.parse(r.stdout) as { torch: string; files: Record<string, TorchFile> };
    console.log(`machine: ${os.cpus().length} cpus (${os.cpus()[0]?.model}), load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; torch ${peer.torch}; median of ${repeats}`);
    console.log('file                   MB   torch.load  ours: read  ratio   read+load into model  max rel. deviation of logits');
    for (const [name, f] of Object.entries(peer.files)) {
      const read = timeIt(() => void readTorchCheckpoint(f.path));
      const model = f.architecture === 'densenet121' ? densenet121({ numClasses: 1000, inputSize: 64 }) : resnet50({ numClasses: 1000, inputSize: 64 });
      const load = timeIt(() => void loadTorchvisionWeights(model, f.path));
      const x = goldenInput();
      const y = (model.predict(x) as tf.Tensor).dataSync();
      let diff = 0;
      let ref = 0;
      f.logits.forEach((v, i) => {
        diff = Math.max(diff, Math.abs(y[i]! - v));
        ref = Math.max(ref, Math.abs(v));
      });
      console.log(
        `${name.padEnd(20)} ${(f.bytes / 1e6).toFixed(1).padStart(5)}   ${f.torchLoadSeconds.toFixed(3).padStart(8)} s  ${read.toFixed(3).padStart(8)} s  ` +
          `${(read / f.torchLoadSeconds).toFixed(2).padStart(5)}x  ${load.toFixed(3).padStart(10)} s           ${(diff / ref).toExponential(2)}`,
      );
      tf.dispose(x);
      model.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
