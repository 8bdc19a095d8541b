/** test/fixtures/torch-checkpoints-golden.json and the checkpoints beside it, from scripts/gen-torch-checkpoints.py. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Full } from './golden-fill';

export const TORCH_FIXTURES = path.resolve(__dirname, '../fixtures/torch');

export interface ModelOutputs {
  architecture: 'densenet121' | 'resnet50';
  numClasses: number;
  input: number[];
  logits: Full;
}

export interface FileCase {
  format: 'zip' | 'legacy';
  stateDictAt?: string;
  moduleClass?: string;
  outputs?: string;
  tensors?: Record<string, { dtype: string; shape: number[]; values: Array<number | boolean> }>;
  global?: string;
  file: { bytes: number; sha256: string };
}

export const TORCH_GOLDEN = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../fixtures/torch-checkpoints-golden.json'), 'utf-8'),
) as {
  torch: string;
  files: Record<string, FileCase>;
  outputs: Record<string, ModelOutputs>;
  pickles: {
    plain: Array<{ protocol: number; hex: string }>;
    plainValue: unknown;
    bigInts: { hex: string; value: string[] };
    ordered: { hex: string; keys: string[] };
    refused: Array<{ protocol: number; hex: string; global: string }>;
  };
  /** 8-bit grey images [n, 1, h, w], numpy's xrv normalisation of each byte value, and the xrv model's logits on them. */
  xrvPixels: { file: string; pathologies: string[]; shape: number[]; pixels: number[]; table: number[]; logits: Full };
};

export const fixture = (name: string): string => path.join(TORCH_FIXTURES, name);
