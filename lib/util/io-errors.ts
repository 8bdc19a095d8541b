/**
 * Turns Node's errno exceptions (`EACCES: permission denied, open '/x/y'`) into StorageErrors that say what the
 * project was doing and with which path, so a full disk or a read-only folder reads as a named problem, not a
 * stack trace.
 */
import { RethinkError, StorageError } from '../errors';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'it already exists and is not a folder',
  ENOENT: 'no such file or folder',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

export function isErrnoError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

/**
 * A StorageError for `error` raised while `action` (e.g. "writing the checkpoint") on `file`. Errors that are
 * already the project's own pass through unchanged; anything that is not an errno exception is returned as is.
 */
export function storageError(error: unknown, action: string, file: string): Error {
  if (error instanceof RethinkError || !isErrnoError(error)) return error instanceof Error ? error : new Error(String(error));
  const code = error.code!;
  const reason = REASONS[code] ?? error.message;
  return new StorageError(`${file}: cannot ${action} (${reason}, ${code})`, { file, code });
}
