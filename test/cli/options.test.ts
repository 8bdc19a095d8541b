import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../lib/cli/options';
import { ConfigError } from '../../lib/errors';

describe('--data-option parsing', () => {
  it('turns a single value of a list option into a one-element list', () => {
    const ref = parseDataset('csv', '/data/x', ['labelColumns=covid19', 'csv=labels.csv']);
    expect(ref.options).toMatchObject({ labelColumns: ['covid19'], csv: 'labels.csv', root: '/data/x' });
  });

  it('splits comma lists, reads JSON, numbers and booleans', () => {
    const ref = parseDataset('synthetic-cxr', undefined, ['labels=a, b', 'n=120', 'frontalOnly=true', 'extra={"k":[1,2]}']);
    expect(ref.options).toEqual({ labels: ['a', 'b'], n: 120, frontalOnly: true, extra: { k: [1, 2] } });
  });

  it('names the option when its JSON is broken', () => {
    expect(() => parseDataset('synthetic-cxr', undefined, ['labels=[1,'])).toThrow(ConfigError);
    expect(() => parseDataset('synthetic-cxr', undefined, ['labels=[1,'])).toThrow(/--data-option labels/);
  });
});
