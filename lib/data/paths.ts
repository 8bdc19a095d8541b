import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';

/** Where a path from a CSV or manifest leads: inside the data root (`path`), or why not (`reason`). */
export type RootCheck = { path: string } | { reason: string };

/**
 * Resolves a path from a CSV or manifest against the data root and refuses anything outside it: absolute
 * paths, `..` segments that climb out, drive or UNC prefixes, and symbolic links (of the file or of any folder
 * on the way) that lead out of the root. A label file must never make the loader read (or the prepare step
 * write) outside the folder the user pointed at.
 */
export function locateInsideRoot(root: string, relative: string): RootCheck {
  const escapes = { reason: `path "${relative}" escapes the data root ${root}` };
  if (relative.length === 0 || relative.includes('\0')) return { reason: `path "${relative}" is not a valid relative path` };
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative)) return escapes;
  const absRoot = path.resolve(root);
  const resolved = path.resolve(absRoot, relative);
  if (!isWithin(absRoot, resolved)) return escapes;
  const real = physicalPath(resolved);
  const realRoot = physicalPath(absRoot);
  if (!isWithin(realRoot, real)) {
    return { reason: `path "${relative}" leads through a symbolic link to ${real}, outside the data root ${realRoot}` };
  }
  return { path: resolved };
}

/** locateInsideRoot's path, or undefined when it leads outside the root. */
export function resolveInsideRoot(root: string, relative: string): string | undefined {
  const located = locateInsideRoot(root, relative);
  return 'path' in located ? located.path : undefined;
}

/** Same as resolveInsideRoot but throws a DataError naming where the path came from. */
export function requireInsideRoot(root: string, relative: string, where: { file?: string; row?: number; field?: string }): string {
  const located = locateInsideRoot(root, relative);
  if ('reason' in located) {
    throw new DataError(`${where.file ?? 'path'}${where.row !== undefined ? `, row ${where.row}` : ''}: ${located.reason}`, { ...where });
  }
  return located.path;
}

function isWithin(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * The path with every symbolic link resolved, also when its last parts do not exist yet (a file the prepare step
 * is about to write): the deepest existing ancestor is resolved and the rest appended. A dangling link is
 * followed to where it points, since writing through it would create its target.
 */
function physicalPath(target: string, depth = 0): string {
  try {
    return fs.realpathSync.native(target);
  } catch {
    if (depth > 40) return target; // a link loop; reading it fails later with a named error
    let link: string | undefined;
    try {
      link = fs.lstatSync(target).isSymbolicLink() ? fs.readlinkSync(target) : undefined;
    } catch {
      link = undefined;
    }
    if (link !== undefined) return physicalPath(path.resolve(path.dirname(target), link), depth + 1);
    const parent = path.dirname(target);
    if (parent === target) return target;
    return path.join(physicalPath(parent, depth + 1), path.basename(target));
  }
}
