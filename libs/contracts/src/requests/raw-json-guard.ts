import type { FieldError } from './registry';

/**
 * One guard for untyped JSON, run before anything recursive (class-transformer, class-validator, a spread) walks
 * it. Parsed JSON can be nested thousands of levels deep (recursion overflows the stack) and can carry keys that
 * reach or shadow what every object inherits (copied onto an object, `__proto__` swaps its prototype and a
 * `constructor` is called by class-transformer). Requests and protocol messages get different rules, below.
 */
export interface RawJsonRules {
  /** the deepest nesting of objects/arrays allowed (the top-level value is depth 1) */
  maxDepth: number;
  /** keys refused anywhere in the value */
  forbiddenKeys: ReadonlySet<string>;
  /** whether control characters are refused in keys and strings */
  refuseControlCharacters: boolean;
}

/**
 * The deepest nesting any request needs is 3 (body → specificTokens → [i] → start). Every name objects inherit is
 * refused (no request field has such a name; a `hasOwnProperty` that is data breaks the libraries calling it), and
 * control characters too: no field needs them, and in a log line they forge entries.
 */
export const REQUEST_JSON_RULES: RawJsonRules = {
  maxDepth: 16,
  forbiddenKeys: new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']),
  refuseControlCharacters: true,
};

/**
 * Protocol messages nest a few levels; they carry error text (line breaks are fine, logs escape them) and maps
 * keyed by Cassandra names (a keyspace may be called `toString`): only the keys that reach a prototype are refused.
 */
export const MESSAGE_JSON_RULES: RawJsonRules = {
  maxDepth: 32,
  forbiddenKeys: new Set(['__proto__', 'constructor', 'prototype']),
  refuseControlCharacters: false,
};

/** C0/C1 control characters and the Unicode line/paragraph separators. */
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

/** The field a problem is reported on: the path, or the value itself (`root`) for a problem at the top. */
function fieldOf(path: string, root: string): string {
  return path === '' ? root : path.slice(0, 200);
}

interface Pending {
  value: unknown;
  path: string;
  depth: number;
}

/**
 * The first problem with `value` under `rules`, in field order, naming the field (a dotted path; for nesting, the
 * top-level field, as the deep path is useless to read), or undefined. A pure function that walks with an explicit
 * stack, so no depth can overflow it. `root` names the value itself (`body`, `request`).
 */
export function rawJsonProblem(value: unknown, rules: RawJsonRules = REQUEST_JSON_RULES, root = 'body'): FieldError | undefined {
  const pending: Pending[] = [{ value, path: '', depth: 1 }];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    if (typeof current.value === 'string') {
      if (rules.refuseControlCharacters && CONTROL_CHARACTERS.test(current.value)) {
        const field = fieldOf(current.path, root);
        return { field, message: `${field} may not contain control characters` };
      }
      continue;
    }
    if (typeof current.value !== 'object' || current.value === null) continue;
    if (current.depth > rules.maxDepth) {
      const top = fieldOf(current.path.split(/[.[]/)[0], root);
      return { field: top, message: `${top} is nested deeper than ${rules.maxDepth} levels` };
    }
    const children: Pending[] = [];
    if (Array.isArray(current.value)) {
      current.value.forEach((item, index) => children.push({ value: item, path: pathOf(current.path, index), depth: current.depth + 1 }));
    } else {
      for (const [key, child] of Object.entries(current.value)) {
        const path = pathOf(current.path, key);
        if (rules.forbiddenKeys.has(key)) return { field: path, message: `${path}: "${key}" is not allowed as a key` };
        if (rules.refuseControlCharacters && CONTROL_CHARACTERS.test(key)) {
          return { field: fieldOf(path, root), message: `${fieldOf(path, root)}: a key may not contain control characters` };
        }
        children.push({ value: child, path, depth: current.depth + 1 });
      }
    }
    // reversed onto the stack, so the first field is looked at first (a loop: spreading into push has a limit)
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
  }
  return undefined;
}
