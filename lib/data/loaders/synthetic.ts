import { z } from 'zod';
import { typedSchema } from '../../util/schema';
import { createRng, deriveSeed, type Rng } from '../../util/random';
import { canonicalJson, sha256Hex } from '../../util/hash';
import { loadManifest } from '../manifest';
import type { Dataset, DatasetItem } from '../types';

export interface SyntheticCxrOptions {
  /** Number of images (default 200). */
  n?: number;
  /** Fraction of positives, rounded to a whole count (default 0.3). */
  prevalence?: number;
  /** Side length in pixels (default 64). */
  size?: number;
  seed?: number;
}

export const syntheticCxrOptionsShape = z.strictObject({
  n: z.number().int().min(1).optional(),
  prevalence: z.number().min(0).max(1).optional(),
  size: z.number().int().min(8).optional(),
  seed: z.number().int().optional(),
});
export const syntheticCxrOptions = typedSchema<SyntheticCxrOptions>(syntheticCxrOptionsShape);

/**
 * SYNTHETIC chest-X-ray-like images, generated in code so the pipeline, the tests and the quick profile run with
 * no download. Not medical data: `synthetic: true` and the title say so.
 *
 * Each image: a bright body on a dark background, two dark lung fields with rib shadows and a brighter
 * mediastinum, plus smooth and fine noise texture. Positives carry 1-3 low-contrast opacities (soft brighter
 * blobs) inside the lungs, so the task is learnable but not trivial at low resolution.
 */
export function generateSyntheticCxr(options: SyntheticCxrOptions = {}): Dataset {
  const n = options.n ?? 200;
  const prevalence = options.prevalence ?? 0.3;
  const size = options.size ?? 64;
  const seed = options.seed ?? 0;
  const { manifest, sha256: manifestSha } = loadManifest('synthetic-cxr');

  const positives = Math.round(n * prevalence);
  const order = createRng(deriveSeed(seed, 'synthetic-cxr', 'labels')).shuffle(Array.from({ length: n }, (_, i) => i));
  const isPositive = new Uint8Array(n);
  for (let k = 0; k < positives; k++) isPositive[order[k]!] = 1;

  const width = String(n - 1).length;
  const items: DatasetItem[] = [];
  for (let i = 0; i < n; i++) {
    const rng = createRng(deriveSeed(seed, 'synthetic-cxr', 'image', i));
    const positive = isPositive[i] === 1;
    items.push({
      id: `synthetic-${String(i).padStart(width, '0')}`,
      image: { kind: 'memory', width: size, height: size, channels: 1, data: drawChest(size, positive, rng) },
      labels: [positive ? 1 : 0],
      patientId: `synthetic-patient-${Math.floor(i / 2)}`,
      view: 'PA',
    });
  }
  return {
    id: manifest.id,
    title: `SYNTHETIC chest-X-ray-like images (n=${n}, prevalence=${prevalence}, ${size}px, seed=${seed})`,
    labelNames: [...manifest.labels.default],
    items,
    synthetic: true,
    contentHash: sha256Hex(canonicalJson({ manifest: manifestSha, generator: 1, n, prevalence, size, seed })),
    skipped: [],
  };
}

/** Smoothstep falloff: 1 inside an ellipse, fading to 0 across `soft` (in normalised radius units). */
function ellipse(x: number, y: number, cx: number, cy: number, rx: number, ry: number, soft: number): number {
  const d = Math.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2);
  if (d <= 1 - soft) return 1;
  if (d >= 1) return 0;
  const t = (1 - d) / soft;
  return t * t * (3 - 2 * t);
}

/** Bilinearly upsampled random grid: smooth, tissue-like texture. */
function valueNoise(size: number, cells: number, rng: Rng): Float32Array {
  const grid = new Float32Array((cells + 1) * (cells + 1));
  for (let i = 0; i < grid.length; i++) grid[i] = rng.uniform(-1, 1);
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const gy = (y / size) * cells;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    for (let x = 0; x < size; x++) {
      const gx = (x / size) * cells;
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      const a = grid[y0 * (cells + 1) + x0]!;
      const b = grid[y0 * (cells + 1) + x0 + 1]!;
      const c = grid[(y0 + 1) * (cells + 1) + x0]!;
      const d = grid[(y0 + 1) * (cells + 1) + x0 + 1]!;
      out[y * size + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
    }
  }
  return out;
}

function drawChest(size: number, positive: boolean, rng: Rng): Uint8Array {
  const s = size;
  const jitter = (amount: number): number => rng.uniform(-amount, amount);
  const lungY = 0.5 + jitter(0.03);
  const lungRx = 0.16 + jitter(0.02);
  const lungRy = 0.28 + jitter(0.03);
  const leftX = 0.3 + jitter(0.02);
  const rightX = 0.7 + jitter(0.02);
  const heartX = 0.54 + jitter(0.02);
  const brightness = 150 + jitter(20);
  const ribPeriod = 0.07 + jitter(0.01);
  const texture = valueNoise(s, 8, rng);

  // Opacities: soft blobs placed inside one of the lung fields.
  const blobs: Array<{ x: number; y: number; r: number; amp: number }> = [];
  if (positive) {
    const count = 1 + rng.int(3);
    for (let k = 0; k < count; k++) {
      const side = rng.next() < 0.5 ? leftX : rightX;
      const angle = rng.uniform(0, 2 * Math.PI);
      const radius = Math.sqrt(rng.next()) * 0.6;
      blobs.push({
        x: side + Math.cos(angle) * radius * lungRx,
        y: lungY + Math.sin(angle) * radius * lungRy,
        r: rng.uniform(0.05, 0.1),
        amp: rng.uniform(18, 30),
      });
    }
  }

  const out = new Uint8Array(s * s);
  for (let py = 0; py < s; py++) {
    const y = (py + 0.5) / s;
    for (let px = 0; px < s; px++) {
      const x = (px + 0.5) / s;
      const body = ellipse(x, y, 0.5, 0.55, 0.46, 0.55, 0.15);
      const lungs = Math.max(ellipse(x, y, leftX, lungY, lungRx, lungRy, 0.3), ellipse(x, y, rightX, lungY, lungRx, lungRy, 0.3));
      const heart = ellipse(x, y, heartX, 0.62, 0.12, 0.15, 0.4);
      const ribPhase = (y + 0.8 * (x - 0.5) ** 2) / ribPeriod;
      const rib = Math.max(0, Math.sin(2 * Math.PI * ribPhase)) ** 3;
      let v = 20 + body * (brightness - 20);
      v -= lungs * (1 - heart) * 85;
      v += lungs * rib * 14;
      v += heart * 25;
      v += texture[py * s + px]! * 10 * body;
      for (const b of blobs) {
        const d2 = ((x - b.x) ** 2 + (y - b.y) ** 2) / (b.r * b.r);
        v += b.amp * Math.exp(-d2) * lungs;
      }
      v += rng.uniform(-4, 4);
      out[py * s + px] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return out;
}
