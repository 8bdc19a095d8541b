/**
 * Public API of rethink-tl. Re-exports only: the pipeline reads top to bottom
 * data -> backend -> models -> train -> metrics -> experiments -> plots.
 */
export * from './errors';
export * from './util/random';
export * from './data/types';
export * from './data';
export * from './metrics';
