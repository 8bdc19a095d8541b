import { RethinkError } from '../errors';

/** Inputs to a report that cannot be reported as given: a bar listed twice, a spread below zero, a bad status. */
export class ReportInputError extends RethinkError {}

/** The child process behind a figure notebook's data (figure-job-main.ts) failed; the message carries its error. */
export class FigureJobError extends RethinkError {}
