/**
 * Papermill-style parameters for tslab notebooks (papermill itself has no TypeScript translator).
 *
 * A notebook declares its parameters in ONE code cell tagged `parameters`, one declaration per line:
 *     let seed: number = 2021;
 *     let profile: string = 'quick';
 * and may list named profiles in its metadata (`metadata.rethink.profiles`, e.g. {"smoke": {"nDraws": 200}}).
 * The runner inserts a cell tagged `injected-parameters` right after it that redeclares the chosen values with
 * the same keyword and type annotation (tslab allows redeclaring let/const across cells, and keeping the
 * annotation keeps later comparisons type-correct). The notebook as committed runs unchanged interactively.
 */
import { ConfigError } from '../errors';
import { cellSource, hasTag, toSourceLines, type NotebookCell, type NotebookJson } from './notebook-json';

export const PARAMETERS_TAG = 'parameters';
export const INJECTED_TAG = 'injected-parameters';

export type ParameterValue = string | number | boolean | null | ParameterValue[] | { [key: string]: ParameterValue };

export interface ParameterDeclaration {
  name: string;
  keyword: 'let' | 'const' | 'var';
  /** The type annotation as written, if any. */
  type?: string;
  /** The initialiser as written (without the trailing semicolon). */
  initialiser: string;
}

const DECLARATION = /^\s*(?:export\s+)?(let|const|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*([^=]+?))?\s*=\s*(.+?)\s*;?\s*(?:\/\/.*)?$/;

export function parseParameterCell(source: string): ParameterDeclaration[] {
  const declarations: ParameterDeclaration[] = [];
  for (const line of source.split('\n')) {
    const m = DECLARATION.exec(line);
    if (!m) continue;
    const declaration: ParameterDeclaration = { keyword: m[1] as ParameterDeclaration['keyword'], name: m[2]!, initialiser: m[4]! };
    if (m[3] !== undefined) declaration.type = m[3].trim();
    declarations.push(declaration);
  }
  return declarations;
}

/** `key=value` from the command line: the value is JSON when it parses as JSON, else a plain string. */
export function parseParamArg(arg: string): [string, ParameterValue] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--param expects key=value, got "${arg}"`, { field: 'param' });
  const key = arg.slice(0, eq).trim();
  const raw = arg.slice(eq + 1);
  try {
    return [key, JSON.parse(raw) as ParameterValue];
  } catch {
    return [key, raw];
  }
}

export interface NotebookProfiles {
  [profile: string]: Record<string, ParameterValue>;
}

export function notebookProfiles(nb: NotebookJson): NotebookProfiles {
  const rethink = nb.metadata.rethink as { profiles?: NotebookProfiles } | undefined;
  return rethink?.profiles ?? {};
}

export interface ParameterRequest {
  /** Profile name; injected as `profile` when the notebook declares it, and selects metadata.rethink.profiles[name]. */
  profile?: string;
  /** Explicit values; override the profile's. */
  overrides?: Record<string, ParameterValue>;
  /** Notebook name for error messages. */
  notebook?: string;
}

/** The values to inject: profile values, then overrides; every key must be declared in the parameters cell. */
export function resolveParameters(nb: NotebookJson, request: ParameterRequest): Record<string, ParameterValue> {
  const where = request.notebook ?? 'notebook';
  const cell = nb.cells.find((c) => c.cell_type === 'code' && hasTag(c, PARAMETERS_TAG));
  const declared = cell ? parseParameterCell(cellSource(cell)) : [];
  const names = new Set(declared.map((d) => d.name));
  const values: Record<string, ParameterValue> = {};
  if (request.profile !== undefined) {
    const profiles = notebookProfiles(nb);
    const available = Object.keys(profiles);
    if (available.length > 0 && !(request.profile in profiles)) {
      throw new ConfigError(`${where}: no profile "${request.profile}" (metadata.rethink.profiles has ${available.join(', ')})`, {
        key: request.profile,
      });
    }
    if (names.has('profile')) values.profile = request.profile;
    Object.assign(values, profiles[request.profile] ?? {});
  }
  Object.assign(values, request.overrides ?? {});
  if (Object.keys(values).length > 0 && !cell) {
    throw new ConfigError(`${where}: parameters given but no code cell is tagged "${PARAMETERS_TAG}"`, { key: PARAMETERS_TAG });
  }
  for (const [key, value] of Object.entries(values)) {
    const declaration = declared.find((d) => d.name === key);
    if (!declaration) {
      throw new ConfigError(
        `${where}: parameter "${key}" is not declared in the parameters cell (declared: ${[...names].join(', ') || 'none'})`,
        { key },
      );
    }
    checkKind(declaration, value, where);
  }
  return values;
}

/** Catches a value of the wrong kind before the kernel starts (tslab would reject it with a type error). */
function checkKind(declaration: ParameterDeclaration, value: ParameterValue, where: string): void {
  const defaultValue = literalValue(declaration.initialiser);
  if (defaultValue === undefined || defaultValue === null || value === null) return;
  const kind = (v: ParameterValue): string => (Array.isArray(v) ? 'array' : typeof v);
  if (kind(defaultValue) !== kind(value)) {
    throw new ConfigError(
      `${where}: parameter "${declaration.name}" defaults to a ${kind(defaultValue)} (${declaration.initialiser}) but was given a ${kind(value)} (${JSON.stringify(value)})`,
      { key: declaration.name },
    );
  }
}

function literalValue(initialiser: string): ParameterValue | undefined {
  const text = initialiser.trim().replace(/\s+as\s+const$/, '');
  const single = /^'((?:[^'\\]|\\.)*)'$/.exec(text);
  if (single) return single[1]!;
  try {
    return JSON.parse(text) as ParameterValue;
  } catch {
    return undefined;
  }
}

export function renderInjectedCell(declared: readonly ParameterDeclaration[], values: Record<string, ParameterValue>, note: string): string {
  const lines = [`// Injected by scripts/reproduce.ts (${note}); overrides the parameters cell above.`];
  for (const [key, value] of Object.entries(values)) {
    const d = declared.find((x) => x.name === key)!;
    lines.push(`${d.keyword} ${d.name}${d.type ? `: ${d.type}` : ''} = ${JSON.stringify(value)};`);
  }
  return lines.join('\n');
}

/**
 * Returns a copy of `nb` with any previous injected cell removed and, when there are values, a new one
 * right after the parameters cell.
 */
export function injectParameters(nb: NotebookJson, request: ParameterRequest): NotebookJson {
  const values = resolveParameters(nb, request);
  const cells = nb.cells.filter((c) => !hasTag(c, INJECTED_TAG));
  const index = cells.findIndex((c) => c.cell_type === 'code' && hasTag(c, PARAMETERS_TAG));
  const copy: NotebookJson = { ...nb, cells: [...cells] };
  if (Object.keys(values).length === 0) return copy;
  const declared = parseParameterCell(cellSource(cells[index]!));
  const note = request.profile === undefined ? 'explicit parameters' : `profile "${request.profile}"`;
  const injected: NotebookCell = {
    cell_type: 'code',
    execution_count: null,
    metadata: { tags: [INJECTED_TAG] },
    outputs: [],
    source: toSourceLines(renderInjectedCell(declared, values, note)),
  };
  if (nb.nbformat > 4 || (nb.nbformat === 4 && nb.nbformat_minor >= 5)) injected.id = INJECTED_TAG;
  copy.cells.splice(index + 1, 0, injected);
  return copy;
}
