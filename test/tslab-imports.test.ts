import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * tslab (the notebook kernel) resolves a relative import `./x` only to `./x.ts`/`./x.js`, never to
 * `./x/index.ts`: a folder import type-checks and passes vitest, then fails inside a notebook. Everything under
 * lib/ is on the notebook path, so every relative import there must name a file.
 */
const libRoot = path.resolve(__dirname, '..', 'lib');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

const importPattern = /(?:from|import|require\()\s*['"](\.{1,2}(?:\/[^'"]*)?)['"]/g;

describe('lib/ imports are tslab-compatible', () => {
  it('no relative import in lib/ resolves to a folder', () => {
    const offenders: string[] = [];
    for (const file of tsFiles(libRoot)) {
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(importPattern)) {
        const spec = match[1]!;
        const target = path.resolve(path.dirname(file), spec);
        const isFile = ['.ts', '.js', '.json', ''].some(
          (ext) => existsSync(target + ext) && statSync(target + ext).isFile(),
        );
        if (!isFile) offenders.push(`${path.relative(libRoot, file)}: '${spec}'`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
