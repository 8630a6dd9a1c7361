import { badRequest } from './bad-request';

/** A parsed query string: Express gives a string, a list for a repeated parameter, or an object for `a[b]=`. */
export type QueryParams = Record<string, unknown>;

/** Refuses parameters the endpoint does not know: none is accepted and ignored (a typo would go unnoticed). */
export function rejectUnknownParams(query: QueryParams, known: readonly string[]): void {
  const unknown = Object.keys(query).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw badRequest(
      unknown.map((name) => ({
        field: name.slice(0, 64),
        message: `query parameter ${JSON.stringify(name.slice(0, 64))} is not known here (known: ${known.join(', ')})`,
      })),
    );
  }
}

/** A parameter given at most once; '' counts as absent. */
export function singleParam(query: QueryParams, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest([{ field: name, message: `query parameter ${name} must be given once, as plain text` }]);
  return value;
}

/**
 * A parameter that filters by several values, as Icarus's OpenAPI spec has it: repeated (`?type=a&type=b`)
 * or comma-separated (`?type=a,b`), or both. Empty entries are dropped.
 */
export function listParam(query: QueryParams, name: string): string[] {
  const value = query[name];
  if (value === undefined) return [];
  const parts = Array.isArray(value) ? value : [value];
  if (!parts.every((part) => typeof part === 'string')) {
    throw badRequest([{ field: name, message: `query parameter ${name} must be text, repeated or comma-separated` }]);
  }
  return parts
    .flatMap((part) => part.split(','))
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
