import { Writable } from 'node:stream';
import { Logger, LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger as PinoLogger } from 'pino';
import pinoPretty from 'pino-pretty';
import { currentLogContext } from './log-context';
import { LogFormat, LogLevelName } from './logging-settings';
import { LOG_REDACTED, redactionPaths } from './redaction';

export interface ServiceLoggerOptions {
  /** `coordinator`, `node-agent`, …: on every line */
  service: string;
  level: LogLevelName;
  format: LogFormat;
  /** whether stdout is a terminal (for `auto`); default: process.stdout.isTTY */
  tty?: boolean;
  /** every serialized line passes through it before it is written (the agent's SecretScrubber) */
  scrub?: (line: string) => string;
  /** where lines go (default stdout, written synchronously so a line before process.exit is not lost) */
  destination?: Writable;
}

/** The format `auto` resolves to: pretty for a person at a terminal, JSON for a collector. */
export function resolvedFormat(format: LogFormat, tty: boolean): 'json' | 'pretty' {
  return format === 'auto' ? (tty ? 'pretty' : 'json') : format;
}

/**
 * The one pino logger of a service: JSON lines (`time`, `level` as a name, `service`, `pid`, `context`, `msg`,
 * and `operationId`/`hostId`/`phase` from the log context), secret fields redacted, every line scrubbed when
 * the service scrubs, human-readable when asked (or at a terminal).
 */
export function createServiceLogger(options: ServiceLoggerOptions): PinoLogger {
  const tty = options.tty ?? process.stdout.isTTY === true;
  const pretty = resolvedFormat(options.format, tty) === 'pretty';
  const destination: DestinationStream = pretty
    ? pinoPretty({
        colorize: tty && process.env.NO_COLOR === undefined,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,service,context',
        messageFormat: '{if context}[{context}] {end}{msg}',
        sync: true,
        ...(options.destination ? { destination: options.destination } : {}),
      })
    : (options.destination ?? pino.destination({ dest: 1, sync: true }));
  const scrub = options.scrub;
  return pino(
    {
      level: options.level,
      base: { service: options.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...currentLogContext() }),
      redact: { paths: redactionPaths(), censor: LOG_REDACTED },
      ...(scrub ? { hooks: { streamWrite: (line: string) => scrub(line) } } : {}),
    },
    destination,
  );
}

type NestLevel = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
const PINO_LEVEL: Record<NestLevel, 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal'> = {
  log: 'info',
  error: 'error',
  warn: 'warn',
  debug: 'debug',
  verbose: 'trace',
  fatal: 'fatal',
};

/**
 * Nest's logger contract over pino: `new Logger(Context).log(text)` everywhere in the code base becomes one JSON
 * line with `context`. Nest passes the context last; `error(message, stack, context)` carries a stack.
 */
export class PinoNestLogger implements LoggerService {
  constructor(readonly pino: PinoLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: NestLevel, message: unknown, params: unknown[]): void {
    const fields: Record<string, unknown> = {};
    const rest = [...params];
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') fields.context = rest.pop();
    // Nest's error(message, stack, context): the stack as a field of the line
    if (level === 'error' && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0])) fields.stack = rest.shift();
    if (rest.length > 0) fields.details = rest.map((value) => (value instanceof Error ? value.message : value));
    const method = PINO_LEVEL[level];
    if (message instanceof Error) this.pino[method]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[method]({ ...fields, ...(message as object) });
    else this.pino[method](fields, String(message));
  }
}

/**
 * Makes `logger` the logger of every `new Logger(...)` and of `Logger.log(...)` in this process, before the Nest
 * application exists (its own start-up lines, and bootstrap's last error, go through it too). Pass the returned
 * logger to NestFactory as `logger`.
 */
export function useServiceLogger(options: ServiceLoggerOptions): PinoNestLogger {
  const logger = new PinoNestLogger(createServiceLogger(options));
  Logger.overrideLogger(logger);
  return logger;
}
