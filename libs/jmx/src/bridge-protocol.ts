/**
 * The line protocol between JmxBridgeClient and libs/jmx/java/JmxBridge.java: one JSON object per line.
 * Requests: {"id":n,"op":...,...params}. Responses: {"id":n,"ok":true,"result":v} or
 * {"id":n,"ok":false,"error":{"kind","message","javaClass"?}}. Parsing is strict: anything else is a bridge fault.
 */
import { JmxError, JmxErrorKind, JmxValue } from './jmx-client';

export type BridgeResponse = { id: number; ok: true; result: JmxValue } | { id: number | null; ok: false; error: JmxError };

const ERROR_KINDS: ReadonlySet<string> = new Set<JmxErrorKind>([
  'connection',
  'auth',
  'timeout',
  'not-found',
  'signature',
  'remote',
  'bridge',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorKind(value: unknown): value is JmxErrorKind {
  return typeof value === 'string' && ERROR_KINDS.has(value);
}

/**
 * Throws a plain Error when the line cannot be attributed to a request. A line that names a request id but
 * is otherwise malformed becomes a failed response of kind 'bridge', so that caller hears about it at once.
 */
export function parseBridgeResponse(line: string): BridgeResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`not JSON: ${line.slice(0, 200)}`);
  }
  if (!isRecord(parsed)) throw new Error('response is not a JSON object');
  const { id } = parsed;
  if (id !== null && (typeof id !== 'number' || !Number.isInteger(id))) throw new Error('response id is not an integer');
  const malformed = (what: string): BridgeResponse => ({
    id,
    ok: false,
    error: new JmxError('bridge', `malformed answer from the JMX bridge: ${what}`),
  });
  if (parsed.ok === true) {
    if (id === null) return malformed('success without id');
    if (!('result' in parsed)) return malformed('no result');
    // JSON.parse can only produce strings, numbers, booleans, null, arrays and plain objects: a JmxValue.
    return { id, ok: true, result: parsed.result as JmxValue };
  }
  if (parsed.ok === false) {
    const error = parsed.error;
    if (!isRecord(error) || !isErrorKind(error.kind) || typeof error.message !== 'string') {
      return malformed('error without a known kind and a message');
    }
    const javaClass = typeof error.javaClass === 'string' ? error.javaClass : undefined;
    return { id, ok: false, error: new JmxError(error.kind, error.message, javaClass) };
  }
  return malformed('no boolean "ok"');
}
