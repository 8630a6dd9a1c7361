import { AsyncLocalStorage } from 'node:async_hooks';

/** What a log line says about the operation it concerns: set where a command or event is handled. */
export interface LogContext {
  operationId?: string;
  hostId?: string;
  phase?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `work` with `fields` added to every log line written while it runs (across its awaits, and in the work it
 * starts), on top of the context it runs in. Why a context rather than child loggers passed around: the
 * executors, stores and SDK wrappers a handler calls log through Nest's `Logger`, and none of them needs to know
 * which operation it serves for its lines to say so.
 */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  const defined = Object.fromEntries(Object.entries(fields).filter(([, value]) => typeof value === 'string' && value !== ''));
  return storage.run({ ...storage.getStore(), ...defined }, work);
}

/** The fields of the operation the current work concerns (empty outside one). */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}

/** The operation fields a message names (requests, commands and events carry `operationId`, most `hostId`/`phase`). */
export function logContextOf(message: unknown): LogContext {
  if (typeof message !== 'object' || message === null) return {};
  const { operationId, hostId, phase } = message as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' && value.length <= 200 ? value : undefined);
  return { operationId: text(operationId), hostId: text(hostId), phase: text(phase) };
}
