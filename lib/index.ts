/**
 * Public API of rethink-tl. Re-exports only: the pipeline reads top to bottom
 * data -> backend -> models -> train -> metrics -> experiments -> plots.
 *
 * Folder imports are written out as `./x/index`: tslab (the notebook kernel) resolves `./x` to `./x.js` only,
 * so a bare folder import type-checks but fails at run time inside a notebook.
 */
export * from './errors';
export * from './util/random';
export * from './data/index';
export * from './backend/index';
export * from './models/index';
export * from './metrics/index';
export * from './plots/index';
export * from './notebook/index';
export * from './toy/index';
export * from './report/index';
export * from './train/index';
export * from './experiments/index';
