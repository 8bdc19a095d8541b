/**
 * `rethink-tl`: run the paper's grids, inspect and export stored results, prepare data, fetch weights.
 * Argument parsing and presentation only; the work happens in lib/experiments, lib/data and lib/models.
 *
 * Exit codes: 0 success; 1 some runs failed (each failure is recorded with its run); 2 bad usage or
 * configuration; 3 an unexpected error; 128 + the signal number when interrupted (130 for SIGINT, 143 SIGTERM).
 */
import { Command, CommanderError } from 'commander';
import { InterruptedError, RethinkError } from '../errors';
import { interruptExitCode } from '../experiments/interrupt';
import { addFetchCommands } from './commands/fetch';
import { addRunCommand } from './commands/run';
import { addSlurmCommands } from './commands/slurm';
import { addStoreCommands } from './commands/store';
import { EXIT, type Outcome } from './commands/common';

export { EXIT } from './commands/common';

/** `outcome.code` is set by commands whose result is not plain success (failed runs). */
export function buildProgram(outcome: Outcome = { code: EXIT.ok }): Command {
  const program = new Command()
    .name('rethink-tl')
    .description(
      "Reproduce 'Rethink Transfer Learning in Medical Image Classification' (Peng et al., 2021): run the paper's grids\n" +
        'on your chest X-ray data, resumably, and keep every result with its provenance.',
    )
    .showHelpAfterError()
    .exitOverride();
  addRunCommand(program, outcome);
  addSlurmCommands(program, outcome);
  addStoreCommands(program, outcome);
  addFetchCommands(program);
  return program;
}

/** Runs the CLI; resolves to the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[]): Promise<number> {
  const outcome: Outcome = { code: EXIT.ok };
  const program = buildProgram(outcome);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return outcome.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage; // help and version exit 0
    }
    if (error instanceof InterruptedError) {
      process.stderr.write(`rethink-tl: ${error.message}\n`);
      return interruptExitCode(String(error.details.signal));
    }
    if (error instanceof RethinkError) {
      process.stderr.write(`rethink-tl: ${error.name}: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`rethink-tl: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.unexpected;
  }
}

/** The process entry (the bin shim and `tsx lib/cli/main.ts`): `rethink-tl export | head` closing stdout is not an error. */
export function runAsProcess(argv: string[]): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
    throw error;
  });
  void main(argv).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) runAsProcess(process.argv.slice(2));
