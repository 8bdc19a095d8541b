/**
 * Schemas of the experiment layer's inputs: grids (also grid JSON files from the CLI), profiles and dataset
 * references. Strict: an unknown key is an error naming it. Off is always `null`.
 */
import { z } from 'zod';
import { typedSchema } from '../util/schema';
import { MODEL_IDS, MODELS, TL_SOURCES, type ModelId } from '../models/registry';
import { TRUNCATIONS } from '../models/types';
import { INITS, type GridSpec, type Init, type ProfileSpec } from './types';

const INIT_IDS = Object.keys(INITS) as Init[];

const modelSpecSchema = z
  .strictObject({
    id: z.enum(MODEL_IDS as [ModelId, ...ModelId[]]),
    truncation: z.enum(TRUNCATIONS as ['T1', 'T2', 'T3', 'F']).optional(),
    head: z.enum(['flatten-linear', 'gap-linear']).optional(),
  })
  .superRefine((model, ctx) => {
    if (MODELS[model.id].cuts !== null) return;
    const name = MODELS[model.id].displayName;
    if ((model.truncation ?? 'F') !== 'F') ctx.addIssue({ code: 'custom', path: ['truncation'], message: `${name} is used whole; it has no truncation levels` });
    if (model.head !== undefined) ctx.addIssue({ code: 'custom', path: ['head'], message: `${name} keeps its own head; leave 'head' out` });
  });

const gridCellSchema = z.strictObject({
  name: z.string().min(1),
  model: modelSpecSchema,
  init: z.enum(INIT_IDS as [Init, ...Init[]]),
});

const fraction = z.number().gt(0).lte(1);

export const gridSchemaShape = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]+$/, "an id of letters, digits, '.', '_' or '-'"),
    title: z.string().min(1),
    figure: z.string().optional(),
    cells: z.array(gridCellSchema).min(1),
    fractions: z.union([z.literal('dataset-default'), z.array(fraction).min(1)], {
      error: "fractions must be 'dataset-default' or a non-empty list of numbers in (0, 1]",
    }),
    tlSource: z.enum(TL_SOURCES).optional(),
    notes: z.array(z.string()).default([]),
  })
  .superRefine((grid, ctx) => {
    const seen = new Set<string>();
    grid.cells.forEach((cell, i) => {
      if (seen.has(cell.name)) ctx.addIssue({ code: 'custom', path: ['cells', i, 'name'], message: `cell name '${cell.name}' is used twice` });
      seen.add(cell.name);
    });
  });
export const gridSchema = typedSchema<GridSpec>(gridSchemaShape);

const count = (min: number) => z.number().int().min(min);

const trainingSchema = z
  .strictObject({
    epochs: count(1),
    batchSize: count(1),
    microBatchSize: count(1),
    optimizer: z.strictObject({
      learningRate: z.number().positive(),
      beta1: z.number().min(0).lt(1),
      beta2: z.number().min(0).lt(1),
      epsilon: z.number().positive(),
      weightDecay: z.number().min(0),
    }),
    plateau: z
      .strictObject({ factor: z.number().gt(0).lt(1), patience: count(0), threshold: z.number().min(0), minLr: z.number().min(0), cooldown: count(0) })
      .nullable(),
    earlyStopping: z.strictObject({ patience: count(1), minDelta: z.number().min(0) }).nullable(),
    stopBelowLr: z.number().positive().nullable(),
    selectBy: z.enum(['val-mean-auprc', 'val-loss']),
  })
  .refine((t) => t.microBatchSize <= t.batchSize, { path: ['microBatchSize'], message: 'microBatchSize must not exceed batchSize' });

const pair = z.tuple([z.number().positive(), z.number().positive()]);

export const profileSchemaShape = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]+$/, "an id of letters, digits, '.', '_' or '-'"),
  description: z.string().min(1),
  imageSize: count(8),
  channels: z.union([z.literal(1), z.literal(3)]),
  fit: z.enum(['pad-white', 'center-crop', 'stretch']),
  augment: z.strictObject({ randomResizedCrop: z.strictObject({ scale: pair, ratio: pair }).optional(), horizontalFlip: z.boolean().optional() }).nullable(),
  training: trainingSchema,
  seeds: count(1),
  bootstrap: count(0),
});
export const profileSchema = typedSchema<ProfileSpec>(profileSchemaShape);
