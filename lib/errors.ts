/**
 * Typed errors. Every message names the file, row, key or field at fault, so a user can fix the input
 * without reading our code. Callers can branch on the class; `details` carries the same facts as data.
 */
export interface ErrorDetails {
  file?: string;
  row?: number;
  field?: string;
  key?: string;
  [extra: string]: unknown;
}

export class RethinkError extends Error {
  readonly details: ErrorDetails;
  constructor(message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** Bad dataset input: a missing or corrupt image, a bad CSV value, a checksum mismatch, a split leak. */
export class DataError extends RethinkError {}

/** A weights file that does not fit the model: missing/unexpected key, wrong shape, bad checksum. */
export class WeightsError extends RethinkError {}

/** Inputs to a metric that make it undefined or meaningless (NaN scores, no positives, length mismatch). */
export class MetricInputError extends RethinkError {}

/** A backend that was asked for but cannot be used here, or that cannot run what was asked of it. */
export class BackendError extends RethinkError {}

/** An experiment or training configuration that cannot be run as written. */
export class ConfigError extends RethinkError {}

/**
 * A file the project must read or write cannot be: no permission, a full disk, a path that is a file where a
 * folder belongs. The message names the path and what was being done with it; `details.code` is the errno code.
 */
export class StorageError extends RethinkError {}

/**
 * Work stopped on request (SIGINT, SIGTERM, an AbortSignal) before it finished. Nothing is lost: finished runs
 * are recorded, unfinished ones resume from their last finished epoch. `details.signal` names the signal.
 */
export class InterruptedError extends RethinkError {}
