/**
 * A small strict reader for the JSON files casevault keeps beside the backups (policy,
 * state). The domain imports no packages (spec/architecture.spec.ts), so this is zod's
 * `z.strictObject` idea in a few lines, cross-checked against a zod schema in the spec:
 * - every value is checked for its type and range; a failure names the path and the problem;
 * - an unknown key is refused, never dropped, so a file a newer casevault wrote (with keys
 *   this one does not know) is not silently rewritten without them;
 * - a missing key takes its default where the field has one, and is an error otherwise.
 */

/** Why a value does not fit its shape, with the path of the value ("retention.keepDaily"). */
export class ShapeError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path || 'the file'} ${problem}`);
  }
}

/** Reads a value (throwing ShapeError) or returns it checked, with defaults filled in. */
export type Shape<T> = (value: unknown, path: string) => T;

export interface Field<T> {
  readonly shape: Shape<T>;
  /** The value of a missing key; without it a missing key is an error. */
  readonly fallback?: () => T;
}

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'string' ? `"${value.slice(0, 40)}"` : typeof value === 'object' ? 'an object' : String(value));

export function integer(min: number, max: number): Shape<number> {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ShapeError(path, `must be a whole number from ${min} to ${max}, not ${describe(value)}`);
    }
    return value;
  };
}

export const boolean: Shape<boolean> = (value, path) => {
  if (typeof value !== 'boolean') throw new ShapeError(path, `must be true or false, not ${describe(value)}`);
  return value;
};

export function oneOf<const T extends string>(values: readonly T[]): Shape<T> {
  return (value, path) => {
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      throw new ShapeError(path, `must be one of ${values.map((v) => `"${v}"`).join(', ')}, not ${describe(value)}`);
    }
    return value as T;
  };
}

export function matching(pattern: RegExp, what: string): Shape<string> {
  return (value, path) => {
    if (typeof value !== 'string' || !pattern.test(value)) throw new ShapeError(path, `must be ${what}, not ${describe(value)}`);
    return value;
  };
}

/** An instant as an ISO 8601 UTC string, exactly as `Date.prototype.toISOString` writes it. */
export const instant: Shape<string> = (value, path) => {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) || Number.isNaN(Date.parse(value)) || new Date(value).toISOString() !== value) {
    throw new ShapeError(path, `must be a time like 2026-11-27T17:00:00.000Z, not ${describe(value)}`);
  }
  return value;
};

export function nullable<T>(shape: Shape<T>): Shape<T | null> {
  return (value, path) => (value === null ? null : shape(value, path));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function object<T extends object>(fields: { readonly [K in keyof T]-?: Field<T[K]> }): Shape<T> {
  return (value, path) => {
    if (!isPlainObject(value)) throw new ShapeError(path, `must be an object, not ${describe(value)}`);
    const at = (key: string) => (path ? `${path}.${key}` : key);
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(fields, key)) throw new ShapeError(at(key), 'is not a known setting (refused rather than dropped: a newer casevault may have written it)');
    }
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(fields) as [string, Field<unknown>][]) {
      if (value[key] === undefined) {
        if (!field.fallback) throw new ShapeError(at(key), 'is missing');
        out[key] = field.fallback();
      } else {
        out[key] = field.shape(value[key], at(key));
      }
    }
    return out as T;
  };
}

/** An object used as a map: every key must pass `key`, every value `shape`. */
export function record<V>(key: (name: string) => boolean, keyWhat: string, shape: Shape<V>): Shape<Record<string, V>> {
  return (value, path) => {
    if (!isPlainObject(value)) throw new ShapeError(path, `must be an object, not ${describe(value)}`);
    const entries = Object.entries(value).map(([name, item]): [string, V] => {
      if (!key(name)) throw new ShapeError(path, `has the key ${describe(name)}, which is not ${keyWhat}`);
      return [name, shape(item, `${path}["${name}"]`)];
    });
    // fromEntries defines own properties: a key "__proto__" could not reach the prototype.
    return Object.fromEntries(entries);
  };
}

/** Shorthands for fields. */
export const required = <T>(shape: Shape<T>): Field<T> => ({ shape });
export const withDefault = <T>(shape: Shape<T>, fallback: () => T): Field<T> => ({ shape, fallback });

/** Parses JSON text; a syntax error is a ShapeError at the top. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ShapeError('', `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}
