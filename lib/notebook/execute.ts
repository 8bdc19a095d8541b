/**
 * Headless execution of one notebook with the real Jupyter client (Debian python3-nbclient, the library
 * behind `jupyter nbconvert --execute`). We drive nbclient directly rather than through nbconvert for two
 * reasons found on this stack: nbconvert writes nothing when a cell fails, and tslab reports type errors on
 * the cell's stderr stream with an empty error message, so after a failure we need the partly executed
 * notebook to show what went wrong. Timeouts are off (timeout=None), like nbconvert's timeout=-1.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { cellSource, multilineText, type NotebookJson } from './notebook-json';
import { KERNEL_NAME, SYSTEM_PYTHON } from './kernel';

const DRIVER = String.raw`
import json, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

src, dst, cwd, kernel = sys.argv[1:5]
nb = nbformat.read(src, as_version=4)
code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
t0 = time.time()
starts = {}

def emit(**event):
    sys.stderr.write("@@rethink " + json.dumps(event) + "\n")
    sys.stderr.flush()

def on_start(cell, cell_index, **_):
    starts[cell_index] = time.time()

def on_error(cell, cell_index, **_):
    emit(event="cell-error", index=cell_index)

def on_executed(cell, cell_index, **_):
    now = time.time()
    emit(event="cell", cell=code.index(cell_index) + 1, total=len(code),
         seconds=now - starts.get(cell_index, now), elapsed=now - t0)

client = NotebookClient(nb, timeout=None, kernel_name=kernel, resources={"metadata": {"path": cwd}},
                        on_cell_start=on_start, on_cell_executed=on_executed,
                        on_cell_error=on_error)
status = 0
try:
    client.execute()
except CellExecutionError:
    status = 1
except Exception as err:
    status = 1
    emit(event="crash", message="%s: %s" % (type(err).__name__, err))
finally:
    nbformat.write(nb, dst)
sys.exit(status)
`;

export interface CellProgress {
  cell: number;
  total: number;
  seconds: number;
  elapsed: number;
}

export interface ExecuteOptions {
  /** The notebook to run (already parameterised); the executed copy overwrites it. */
  notebookPath: string;
  /** Where the Jupyter client runs (the project kernel itself always moves to the repository root). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  kernelName?: string;
  python?: string;
  onCell?: (progress: CellProgress) => void;
}

export interface CellFailure {
  /** 1-based index among all cells. */
  cellIndex: number;
  source: string;
  /** Error name/value/traceback and anything the cell wrote to stderr (tslab's type errors land there). */
  message: string;
}

export interface ExecuteResult {
  ok: boolean;
  seconds: number;
  failure?: CellFailure;
  /** A failure outside any cell (kernel died, could not start). */
  crash?: string;
}

export function executeNotebook(options: ExecuteOptions): Promise<ExecuteResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      options.python ?? SYSTEM_PYTHON,
      ['-c', DRIVER, options.notebookPath, options.notebookPath, options.cwd, options.kernelName ?? KERNEL_NAME],
      { cwd: options.cwd, env: options.env, stdio: ['ignore', 'inherit', 'pipe'] },
    );
    let crash: string | undefined;
    let errorCell: number | undefined;
    let otherStderr = '';
    let pending = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('@@rethink ')) {
          const event = JSON.parse(line.slice('@@rethink '.length)) as { event: string; message?: string } & CellProgress;
          if (event.event === 'cell') options.onCell?.(event);
          else if (event.event === 'crash') crash = event.message;
          else if (event.event === 'cell-error') errorCell = (event as unknown as { index: number }).index;
        } else {
          otherStderr += `${line}\n`;
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      otherStderr += pending;
      const seconds = (Date.now() - started) / 1000;
      if (code === 0) return resolve({ ok: true, seconds });
      let failure: CellFailure | undefined;
      if (fs.existsSync(options.notebookPath)) {
        failure = findFailure(JSON.parse(fs.readFileSync(options.notebookPath, 'utf8')) as NotebookJson, errorCell);
      }
      if (!failure && !crash) crash = otherStderr.trim().split('\n').slice(-20).join('\n') || `exit code ${code}`;
      resolve({ ok: false, seconds, failure, crash });
    });
  });
}

/**
 * The failed cell, with everything it printed to stderr: the cell nbclient reported (`errorIndex`, 0-based),
 * else the first cell with an error output. tslab answers a type error with an error reply but no error
 * output, so the index is the only way to find those.
 */
export function findFailure(nb: NotebookJson, errorIndex?: number): CellFailure | undefined {
  for (let i = 0; i < nb.cells.length; i++) {
    const cell = nb.cells[i]!;
    const outputs = cell.outputs ?? [];
    const error = outputs.find((o) => o.output_type === 'error');
    if (errorIndex === undefined ? !error : i !== errorIndex) continue;
    const stderr = outputs
      .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
      .map((o) => multilineText(o.text))
      .join('');
    const parts = [
      [error?.ename, error?.evalue].filter(Boolean).join(': '),
      stderr.trim(),
      (error?.traceback ?? []).join('\n').replace(/\u001b\[[0-9;]*m/g, '').trim(),
    ].filter((p) => p.length > 0);
    return { cellIndex: i + 1, source: cellSource(cell), message: parts.join('\n') || '(no message)' };
  }
  return undefined;
}
