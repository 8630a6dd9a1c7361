/**
 * Whether two NATS subject patterns (`*` one token, `>` one or more) can match one subject: a consumer's filter
 * and a handler's pattern, say, or a subscription and a handler.
 */
export function patternsOverlap(a: string, b: string): boolean {
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (i >= left.length || i >= right.length) return false;
    if (left[i] === '>' || right[i] === '>') return true;
    if (left[i] !== '*' && right[i] !== '*' && left[i] !== right[i]) return false;
  }
  return true;
}
