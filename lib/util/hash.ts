/**
 * The project's one canonical-JSON serialiser and sha256 helper: run identities (config hashes), dataset content
 * hashes, split hashes and cache keys all go through here, so equal values always hash equal.
 */
import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted (by UTF-16 code unit) at every level and undefined properties dropped, so equal
 * values serialise to equal text whatever order their keys were written in. Arrays keep their order.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A value's identity: sha256 of its canonical JSON (a run's configuration hash, a dataset's content hash). */
export function hashJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
