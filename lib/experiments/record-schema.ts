/**
 * What a results-store line must hold to be a run record: the fields every reader (status, export, the figure
 * notebooks) relies on, per status. A line that parses as JSON but lacks them is reported with its line number
 * and field instead of failing later inside a summary with a TypeError. Objects stay open (`looseObject`), so
 * records keep every extra field they carry and newer writers can add fields.
 */
import { z } from 'zod';
import type { RunRecord } from './types';

const interval = z.object({ lower: z.number(), upper: z.number() }).nullable();

const labelMetrics = z.looseObject({
  label: z.string(),
  auroc: z.number().nullable(),
  auprc: z.number().nullable(),
  positives: z.number(),
  negatives: z.number(),
  aurocCI: interval.optional(),
  auprcCI: interval.optional(),
});

const runConfig = z.looseObject({
  dataset: z.looseObject({ id: z.string(), contentHash: z.string(), labelNames: z.array(z.string()).min(1), synthetic: z.boolean() }),
  split: z.looseObject({ method: z.string(), hash: z.string() }),
  fraction: z.number().gt(0).lte(1),
  fractionLadder: z.array(z.number()),
  cell: z.looseObject({ model: z.looseObject({ id: z.string() }), init: z.string() }),
  pipeline: z.looseObject({ size: z.number().int().positive() }),
  training: z.looseObject({}),
  seed: z.number().int(),
  profile: z.string(),
});

const common = {
  schema: z.literal(1),
  configHash: z.string().min(1),
  config: runConfig,
  grid: z.string(),
  cellName: z.string(),
  seed: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string(),
  wallSeconds: z.number().nonnegative(),
};

const runRecord = z.discriminatedUnion('status', [
  z.looseObject({ ...common, status: z.literal('ok'), test: z.array(labelMetrics).min(1) }),
  z.looseObject({ ...common, status: z.literal('failed'), error: z.looseObject({ name: z.string(), message: z.string() }) }),
  z.looseObject({ ...common, status: z.literal('unavailable'), reason: z.string() }),
]);

/** The record, or the first problem as `field: message` (the field as a dotted path). */
export function checkRunRecord(value: unknown): { record: RunRecord } | { problem: string; field: string } {
  const parsed = runRecord.safeParse(value);
  if (parsed.success) return { record: value as RunRecord };
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.') || '(record)';
  return { problem: `field "${field}": ${issue.message}`, field };
}
