/**
 * danfojs DataFrames for tables a user may want to filter, group or export in a notebook (dataset summaries,
 * results). danfojs is loaded on first use: it pulls in a second tfjs build (~0.7 s), which only notebooks need.
 */
export type DataFrame = import('danfojs-node').DataFrame;

/** Rows of plain objects (one key per column, in first-seen order) as a DataFrame. */
export function toFrame(rows: readonly object[]): DataFrame {
  const danfo = require('danfojs-node') as typeof import('danfojs-node');
  return new danfo.DataFrame(rows as Record<string, unknown>[]);
}
