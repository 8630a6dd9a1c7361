/**
 * A guard for untyped JSON before anything recursive (class-transformer, class-validator, a spread) walks it.
 * Parsed JSON can be nested thousands of levels deep (recursion overflows the stack) and can carry `__proto__`,
 * `constructor` or `prototype` as keys (copied onto an object, they reach its prototype). Neither has a place in
 * any request or message of the protocol, so such a value is refused, naming the field.
 */

/** Deeper than any request or message of the protocol nests (their deepest is a few levels). */
export const MAX_JSON_DEPTH = 32;

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface JsonShapeProblem {
  /** the path of the offending field, e.g. `rename.constructor` or `tables` */
  field: string;
  message: string;
}

const pathOf = (parent: string, key: string): string => (parent ? `${parent}.${key}` : key);

/**
 * The first problem with the shape of `value` (depth first), or undefined when there is none: a key that is
 * `__proto__`, `constructor` or `prototype`, or nesting deeper than `maxDepth` objects/arrays (the top level is
 * depth 1; the field named is the top-level one, the deep path itself is useless to read). Iterative: any depth
 * is safe to check. `root` names the value itself when it is too deep at the top (a bare array, say).
 */
export function jsonShapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, root = 'body'): JsonShapeProblem | undefined {
  const pending: Array<{ value: unknown; path: string; top: string; depth: number }> = [{ value, path: '', top: root, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > maxDepth) {
      return { field: next.top, message: `${next.top} is nested more than ${maxDepth} levels deep` };
    }
    const entries: Array<[string, unknown]> = Array.isArray(next.value)
      ? next.value.map((item, index) => [String(index), item])
      : Object.entries(next.value);
    const isArray = Array.isArray(next.value);
    const children: typeof pending = [];
    for (const [key, child] of entries) {
      const path = pathOf(next.path, key);
      if (!isArray && FORBIDDEN_KEYS.has(key)) return { field: path, message: `${path}: "${key}" is not allowed as a field name` };
      children.push({ value: child, path, top: next.depth === 1 && !isArray ? key : next.top, depth: next.depth + 1 });
    }
    // reversed onto the stack: the first field is looked at first (a loop: an argument list has a limit)
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
  }
  return undefined;
}
