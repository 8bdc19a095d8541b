/**
 * lib/report is the notebooks' logic and must stay pure (data in, data or text out) so it can be tested with
 * hand-built cells; whatever reads files, spawns processes or runs training lives in lib/report/io.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPORT = path.resolve(__dirname, '../../lib/report');
const IMPURE = [/^(node:)?(fs|fs\/promises|child_process|worker_threads)$/, /^sharp$/, /\/experiments\/(runner|store|plan|execute|worker)$/, /\/report\/io\//];

describe('lib/report purity', () => {
  it('no module outside lib/report/io imports files, processes, images or the runner at run time', () => {
    const offenders: string[] = [];
    for (const file of readdirSync(REPORT).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(path.join(REPORT, file), 'utf8');
      for (const m of source.matchAll(/^import (?!type )[^;]*? from '([^']+)';/gms)) {
        if (IMPURE.some((re) => re.test(m[1]!))) offenders.push(`${file}: ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
