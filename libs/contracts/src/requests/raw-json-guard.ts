import type { FieldError } from './registry';

/**
 * The deepest nesting any request needs is 3 (body → specificTokens → [i] → start); anything far deeper is
 * hostile. class-transformer and class-validator recurse, so a body nested thousands of levels deep overflows
 * the stack inside them: the guard walks iteratively and refuses it before they run.
 */
export const MAX_REQUEST_DEPTH = 16;

/**
 * Keys that reach or shadow what every object inherits when class-transformer assigns them (`dto[key] = value`):
 * `__proto__` swaps the prototype, `constructor` is called by the transformer, and a `hasOwnProperty` or
 * `toString` that is data breaks the libraries that call them. No request field has such a name.
 */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/**
 * C0/C1 control characters and the Unicode line/paragraph separators: no request field needs them, and in a
 * log line they forge entries (a newline followed by a fake record).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

export function hasControlCharacters(text: string): boolean {
  return CONTROL_CHARACTERS.test(text);
}

function pathOf(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const safeKey = CONTROL_CHARACTERS.test(key) ? JSON.stringify(key) : key;
  return parent ? `${parent}.${safeKey}` : safeKey;
}

/** The field a problem is reported on: the path, or the body itself for a problem at the top. */
function fieldOf(path: string): string {
  return path === '' ? 'body' : path.slice(0, 200);
}

/**
 * Checks a decoded JSON value before any class-transformer or class-validator code sees it: nesting no deeper
 * than MAX_REQUEST_DEPTH, no key that could reach a prototype (`__proto__`, `constructor`, `toString`...), and
 * no control character in any key or string. A pure function; walks with an explicit stack, so depth cannot
 * overflow it. Returns the first problem, naming the field (a dotted path), or undefined.
 */
export function rawJsonProblem(value: unknown, maxDepth = MAX_REQUEST_DEPTH): FieldError | undefined {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (typeof current.value === 'string') {
      if (CONTROL_CHARACTERS.test(current.value)) {
        return { field: fieldOf(current.path), message: `${fieldOf(current.path)} may not contain control characters` };
      }
      continue;
    }
    if (typeof current.value !== 'object' || current.value === null) continue;
    if (current.depth >= maxDepth) {
      const top = fieldOf(current.path.split(/[.[]/)[0]);
      return { field: top, message: `${top} is nested deeper than ${maxDepth} levels` };
    }
    if (Array.isArray(current.value)) {
      current.value.forEach((item, index) => pending.push({ value: item, path: pathOf(current.path, index), depth: current.depth + 1 }));
      continue;
    }
    for (const key of Object.keys(current.value)) {
      const path = pathOf(current.path, key);
      if (PROTOTYPE_KEYS.has(key)) return { field: path, message: `${path}: "${key}" is not allowed as a key` };
      if (CONTROL_CHARACTERS.test(key))
        return { field: fieldOf(path), message: `${fieldOf(path)}: a key may not contain control characters` };
      pending.push({ value: (current.value as Record<string, unknown>)[key], path, depth: current.depth + 1 });
    }
  }
  return undefined;
}
