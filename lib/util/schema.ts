/**
 * Validation at the boundaries (grids, profiles, dataset references and loader options, CLI input, manifests):
 * zod schemas, and one formatter that turns their issues into messages naming the key or field, the value given
 * and what is allowed. Unknown keys are errors (strict objects), never silently dropped.
 */
import { z } from 'zod';
import { ConfigError, type ErrorDetails, type RethinkError } from '../errors';

type Path = ReadonlyArray<PropertyKey>;

/** The sub-schema at `path` (through optional, nullable, default, arrays, objects and records), if it is simple. */
export function schemaAt(schema: z.ZodType, path: Path): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  for (const segment of path) {
    s = s ? unwrap(s) : undefined;
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodType>)[String(segment)];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else if (s instanceof z.ZodRecord) s = s.valueType as z.ZodType;
    else return undefined;
  }
  return s ? unwrap(s) : undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  return s;
}

/** The keys a strict object at `path` accepts, for "known: ..." hints. */
export function knownKeys(schema: z.ZodType, path: Path = []): string[] {
  const s = schemaAt(schema, path);
  return s instanceof z.ZodObject ? Object.keys(s.shape as object) : [];
}

function valueAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const segment of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[segment] : undefined;
  return v;
}

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v));
const pathText = (path: Path): string => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');

/** One sentence per issue: where, what was given, what is allowed. */
export function describeIssue(schema: z.ZodType, input: unknown, issue: z.core.$ZodIssue): { message: string; details: ErrorDetails } {
  const where = pathText(issue.path);
  const prefix = where ? `${where}: ` : '';
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(schema, issue.path);
    const keys = issue.keys.map((k) => `'${k}'`).join(', ');
    return {
      message: `${prefix}unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      details: { field: [...issue.path.map(String), issue.keys[0]!].join('.'), key: issue.keys[0] },
    };
  }
  const given = valueAt(input, issue.path);
  const allowed =
    issue.code === 'invalid_value'
      ? `expected ${issue.values.map(show).join(' | ')}`
      : issue.code === 'invalid_type'
        ? `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}`
        : issue.message;
  return { message: `${prefix}${allowed}, got ${show(given)}`, details: { field: where || undefined } };
}

/**
 * A schema typed as the interface it validates. Its shape is checked against `T` by test/schema-types.test.ts
 * under the project's strict tsc; the check cannot sit here because tslab (the notebook kernel) compiles without
 * strictNullChecks, where zod infers every field as optional and no interface would match.
 */
export function typedSchema<T>(schema: z.ZodType): z.ZodType<T, unknown> {
  return schema as z.ZodType<T, unknown>;
}

/**
 * `schema.parse` with the project's errors: every issue in one message, `what` first (e.g. "grid 'fig9'",
 * "--data-option", "covid-cohen options"). The error is a ConfigError unless `makeError` says otherwise.
 */
export function parseWith<T>(
  schema: z.ZodType<T>,
  input: unknown,
  what: string,
  makeError: (message: string, details: ErrorDetails) => RethinkError = (message, details) => new ConfigError(message, details),
): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => describeIssue(schema, input, issue));
  const message = issues.length === 1 ? `${what}: ${issues[0]!.message}` : `${what}:\n  ${issues.map((i) => i.message).join('\n  ')}`;
  return (() => {
    throw makeError(message, issues[0]!.details);
  })();
}
