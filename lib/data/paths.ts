import * as path from 'node:path';
import { DataError } from '../errors';

/**
 * Resolves a path from a CSV or manifest against the data root and refuses anything outside it: absolute
 * paths, `..` segments that climb out, and drive or UNC prefixes. A label file must never make the loader read
 * (or the prepare step write) outside the folder the user pointed at.
 */
export function resolveInsideRoot(root: string, relative: string): string | undefined {
  if (relative.length === 0 || relative.includes('\0')) return undefined;
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative)) return undefined;
  const absRoot = path.resolve(root);
  const resolved = path.resolve(absRoot, relative);
  const rel = path.relative(absRoot, resolved);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return resolved;
}

/** Same as resolveInsideRoot but throws a DataError naming where the path came from. */
export function requireInsideRoot(root: string, relative: string, where: { file?: string; row?: number; field?: string }): string {
  const resolved = resolveInsideRoot(root, relative);
  if (resolved === undefined) {
    throw new DataError(
      `${where.file ?? 'path'}${where.row !== undefined ? `, row ${where.row}` : ''}: path "${relative}" escapes the data root ${root}`,
      { ...where },
    );
  }
  return resolved;
}
