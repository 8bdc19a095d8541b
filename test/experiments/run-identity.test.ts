/**
 * Run identity across code changes: every configuration in the committed results store (results/runs.jsonl) must
 * be planned again, with the same hash, from the same grid, dataset, profile and seeds. A refactor that changed
 * how a configuration is spelled (a default made explicit, "off" written another way, a renamed field) would
 * orphan every stored run; this test fails first.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getGrid } from '../../lib/experiments/grids';
import { hashJson } from '../../lib/util/hash';
import { planRuns } from '../../lib/experiments/plan';
import { getProfile } from '../../lib/experiments/profiles';
import { readStoreFile } from '../../lib/experiments/store';
import type { DatasetRef, RunRecord } from '../../lib/experiments/types';
import { COVID_ROOT } from '../data/helpers';

const STORE = path.resolve(__dirname, '../../results/runs.jsonl');
const records = readStoreFile(STORE).records;

/** The loader options that rebuild a stored dataset here, or null when it is not on this machine. */
function datasetRef(id: string): DatasetRef | null {
  if (id === 'synthetic-cxr') return { id, options: {} };
  if (id === 'covid-cohen') return fs.existsSync(path.join(COVID_ROOT, 'labels.csv')) ? { id, options: { root: COVID_ROOT } } : null;
  return null;
}

function groups(): Map<string, RunRecord[]> {
  const out = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = [r.grid, r.config.dataset.id, r.config.profile].join('|');
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return out;
}

describe('stored run identity', () => {
  it('every stored record hashes to its own configHash', () => {
    expect(records.length).toBeGreaterThan(0);
    const wrong = records.filter((r) => hashJson(r.config) !== r.configHash).map((r) => `${r.grid} ${r.cellName}`);
    expect(wrong).toEqual([]);
  });

  it('planning the stored grids again reproduces every stored configuration hash', async () => {
    // No torchvision file may be found here (a cache that gains one would plan TL cells with weights instead of
    // the stored 'unavailable' ones); the Keras package comes from its usual cache.
    const absent = path.join(os.tmpdir(), 'rethink-run-identity-no-such-file.safetensors');
    let checked = 0;
    for (const [key, stored] of groups()) {
      const [grid, datasetId, profile] = key.split('|') as [string, string, string];
      const ref = datasetRef(datasetId);
      if (!ref) continue;
      const seeds = [...new Set(stored.map((r) => r.seed))].sort((a, b) => a - b);
      const plan = await planRuns({
        grids: [getGrid(grid)],
        dataset: ref,
        profile: getProfile(profile),
        seeds,
        weights: { densenet121: absent, resnet50: absent },
        workDir: os.tmpdir(),
      });
      const planned = new Set([...plan.runs, ...plan.unavailable.map((u) => u.spec)].map((s) => s.configHash));
      const kerasMissing = plan.unavailable.some((u) => u.spec.config.cell.model.id === 'resnet50-keras');
      const expected = stored.filter((r) => !(kerasMissing && r.config.cell.model.id === 'resnet50-keras'));
      const lost = expected.filter((r) => !planned.has(r.configHash)).map((r) => `${key} ${r.cellName} ${r.config.fraction} seed ${r.seed}`);
      expect(lost).toEqual([]);
      checked += expected.length;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
