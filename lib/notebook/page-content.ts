/**
 * Text a reader should not meet on a rendered notebook page: a value printed as a raw JavaScript object dump
 * (`{ name: 'fig', spec: { data: [ [Object], ...`), and paths that only exist on the machine that ran it
 * (`../shared/...` beside the checkout, `/work/...`, `~/.cache/...`, `file://` links). Pure; the file-system test comes in through
 * `PathContext.exists`.
 */
import * as path from 'node:path';

/** Marks only Node's util.inspect writes: nested values cut off, functions, classes, cycles, accessors. */
const INSPECT_MARKERS = /\[(?:Object|Array)\]|\[Function(?:: [\w$]+)?\]|\[class [\w$]+|<ref \*\d+>|\[Circular \*\d+\]|\[Getter(?:\/Setter)?\]/;
/** A whole output that is one inspected value: `{ ... }`, `[ ... ]`, `Map(2) { ... }`, `Float32Array(3) [ ... ]`. */
const INSPECT_SHAPE = /^(?:[A-Za-z_$][\w$]*(?:\(\d+\))? )?(?:\{[\s\S]*\}|\[[\s\S]*\])$/;

/** True when a text output is a value printed by the kernel or console.log, not something written for a reader. */
export function isObjectDump(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed.length === 0) return false;
  return INSPECT_MARKERS.test(trimmed) || INSPECT_SHAPE.test(trimmed);
}

export interface PathContext {
  /** Absolute path of the repository root; the kernel runs here, so code paths resolve from it. */
  repoRoot: string;
  /** Folder of the committed notebook: links in its prose resolve from here. */
  notebookDir: string;
  /**
   * Absolute prefixes that exist only on this machine (the checkout's parent, the home and temp folders, the CI
   * data folder): an absolute path under one of them means nothing in a reader's clone.
   */
  machineRoots: readonly string[];
  exists(absolutePath: string): boolean;
}

// A path token ends at whitespace, quotes, brackets or punctuation that prose puts after it.
const TOKEN_END = String.raw`[^\s'"\x60()<>\[\]{},;]*[^\s'"\x60()<>\[\]{},;.:]`;
const RELATIVE_PATH = new RegExp(String.raw`(?<![\w./-])((?:\.\./)+${TOKEN_END})`, 'g');
const ABSOLUTE_PATH = new RegExp(String.raw`(?<![\w.~:/-])(/[\w.@+-]+(?:/${TOKEN_END})?)`, 'g');
const FILE_URL = new RegExp(String.raw`file://(${TOKEN_END})`, 'g');
/** `~/...`: the home folder of whoever ran the notebook (a cache, a download), never a file of the repository. */
const HOME_PATH = new RegExp(String.raw`(?<![\w./~-])(~/${TOKEN_END})`, 'g');

/** Paths in `text` that lead outside the repository or are absolute paths of this machine, each once. */
export function findOutsidePaths(text: string, context: PathContext): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(RELATIVE_PATH)) {
    if (relativeLeavesRepo(m[1]!, context)) found.add(m[1]!);
  }
  for (const m of text.matchAll(ABSOLUTE_PATH)) {
    if (underMachineRoot(m[1]!, context)) found.add(m[1]!);
  }
  for (const m of text.matchAll(FILE_URL)) found.add(`file://${m[1]}`);
  for (const m of text.matchAll(HOME_PATH)) found.add(m[1]!);
  return [...found];
}

/**
 * What is wrong with a link or image target on the page, if anything: 'outside-path' for a file:// URL, an
 * absolute path or a relative one that climbs out of the repository; 'broken-link' for a repository file that does
 * not exist. Web links are not followed (the check runs offline).
 */
export function linkProblem(target: string, context: PathContext): 'outside-path' | 'broken-link' | undefined {
  if (/^file:/i.test(target)) return 'outside-path';
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return undefined;
  const file = safeDecode(target.split(/[?#]/)[0]!);
  if (file === '') return undefined;
  if (path.isAbsolute(file)) return 'outside-path';
  const resolved = path.resolve(context.notebookDir, file);
  if (!isInside(resolved, context.repoRoot)) return 'outside-path';
  return context.exists(resolved) ? undefined : 'broken-link';
}

/**
 * A `../` path in prose or code is ambiguous: code resolves it from the repository root (where the kernel runs),
 * a link from the notebook's folder. It is fine if either reading stays in the repository and exists there.
 */
function relativeLeavesRepo(token: string, context: PathContext): boolean {
  const fromRoot = path.resolve(context.repoRoot, token);
  if (isInside(fromRoot, context.repoRoot)) return false;
  const fromNotebook = path.resolve(context.notebookDir, token);
  return !(isInside(fromNotebook, context.repoRoot) && context.exists(fromNotebook));
}

function underMachineRoot(absolute: string, context: PathContext): boolean {
  return context.machineRoots.some((root) => root !== path.parse(root).root && isInside(path.resolve(absolute), root));
}

export function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
