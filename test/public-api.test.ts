/**
 * The public API (lib/index.ts) is what a user can hold in mind: a bounded set of names, and every name the README
 * and the notebooks import from it exists.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../lib/index';

const root = path.resolve(__dirname, '..');

function importedFromIndex(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/import \{([^}]*)\} from '\.\/lib\/index'/g)) {
    for (const part of m[1]!.split(',')) {
      const name = part.replace(/\\n|\n/g, ' ').trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim();
      if (name && !part.trim().startsWith('type ')) names.push(name);
    }
  }
  return names;
}

describe('lib/index.ts', () => {
  it('exports well under 150 runtime names', () => {
    expect(Object.keys(api).length).toBeLessThan(150);
  });

  it("has every name the README and the notebooks import from './lib/index'", () => {
    const sources = [path.join(root, 'README.md'), ...readdirSync(path.join(root, 'notebooks')).filter((f) => f.endsWith('.ipynb')).map((f) => path.join(root, 'notebooks', f))];
    const names = sources.flatMap((file) => importedFromIndex(readFileSync(file, 'utf8')));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !(n in api))).toEqual([]);
  });
});
