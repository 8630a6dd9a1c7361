import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { REDACTED } from '@daedalus/contracts';
import { withLogContext } from './log-context';
import { LOG_REDACTED } from './redaction';
import { createServiceLogger, PinoNestLogger, resolvedFormat, ServiceLoggerOptions } from './service-logger';

/** A destination that keeps what is written, line by line. */
function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== ''),
  };
}

function loggerFor(options: Partial<ServiceLoggerOptions> = {}) {
  const out = capture();
  const pino = createServiceLogger({ service: 'test-service', level: 'info', format: 'json', destination: out.stream, ...options });
  return {
    pino,
    nest: new PinoNestLogger(pino),
    lines: out.lines,
    json: () => out.lines().map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createServiceLogger', () => {
  it('writes one JSON object a line with time, level name, service, context and msg', () => {
    const { nest, json } = loggerFor();
    nest.log('coordinator ready (pid 1)', 'Bootstrap');
    const [line] = json();
    expect(line).toMatchObject({ level: 'info', service: 'test-service', context: 'Bootstrap', msg: 'coordinator ready (pid 1)' });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
  });

  it('adds operationId, hostId and phase from the log context, nested contexts adding to the outer one', async () => {
    const { nest, json } = loggerFor();
    await withLogContext({ operationId: 'op-1' }, async () => {
      await Promise.resolve();
      nest.log('submitted', 'Submit');
      await withLogContext({ hostId: 'host-a', phase: 'UPLOAD' }, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        nest.warn('slow upload', 'Backup');
      });
    });
    nest.log('outside', 'Other');
    const lines = json();
    expect(lines[0]).toMatchObject({ operationId: 'op-1', msg: 'submitted' });
    expect(lines[0]).not.toHaveProperty('hostId');
    expect(lines[1]).toMatchObject({ operationId: 'op-1', hostId: 'host-a', phase: 'UPLOAD', level: 'warn', msg: 'slow upload' });
    expect(lines[2]).not.toHaveProperty('operationId');
  });

  it('redacts secret fields of logged objects at any of the first levels', () => {
    const { nest, lines, json } = loggerFor();
    nest.log({ msg: 'request', headers: { authorization: 'Bearer tok-123456', 'proxy-authorization': 'Basic cHc=' } }, 'Http');
    nest.warn({ msg: 'upload failed', options: { proxy: { proxyPassword: 'pw-secret-1', kmsKeyId: 'kms-secret-2' } } }, 'S3');
    nest.log({ msg: 'jmx', jmxPassword: 'jmx-secret-3', token: 'tok-secret-4' });
    const text = lines().join('\n');
    for (const secret of ['tok-123456', 'cHc=', 'pw-secret-1', 'kms-secret-2', 'jmx-secret-3', 'tok-secret-4'])
      expect(text).not.toContain(secret);
    const [request, upload, jmx] = json();
    expect(request.headers).toEqual({ authorization: LOG_REDACTED, 'proxy-authorization': LOG_REDACTED });
    expect(upload.options).toEqual({ proxy: { proxyPassword: LOG_REDACTED, kmsKeyId: LOG_REDACTED } });
    expect(jmx).toMatchObject({ jmxPassword: LOG_REDACTED, token: LOG_REDACTED });
    expect(LOG_REDACTED).toBe(REDACTED);
  });

  it('passes every serialized line through the scrubber, stacks included', () => {
    const { nest, lines } = loggerFor({ scrub: (line) => line.split('opened-secret').join(LOG_REDACTED) });
    nest.error('the proxy said no to opened-secret', 'Error: x\n    at opened-secret (file.ts:1)', 'Upload');
    const error = new Error('bad key opened-secret');
    nest.error(error);
    const text = lines().join('\n');
    expect(text).not.toContain('opened-secret');
    expect(JSON.parse(lines()[0])).toMatchObject({ context: 'Upload', stack: `Error: x\n    at ${LOG_REDACTED} (file.ts:1)` });
  });

  it('writes nothing below the configured level', () => {
    const { nest, json } = loggerFor({ level: 'warn' });
    nest.log('info line');
    nest.debug('debug line');
    nest.warn('warn line');
    expect(json().map((line) => line.msg)).toEqual(['warn line']);
  });

  it('writes for people in the pretty format: no JSON, the context and the message on one line', () => {
    const { nest, lines } = loggerFor({ format: 'pretty', tty: false });
    withLogContext({ operationId: 'op-9' }, () => nest.log('node agent ready for h1', 'Bootstrap'));
    const [first, ...rest] = lines();
    expect(() => JSON.parse(first)).toThrow();
    expect(first).toMatch(/INFO.*\[Bootstrap\] node agent ready for h1/);
    expect(rest.join('\n')).toContain('operationId: "op-9"');
  });

  it('is pretty at a terminal and JSON otherwise when the format is auto', () => {
    expect(resolvedFormat('auto', true)).toBe('pretty');
    expect(resolvedFormat('auto', false)).toBe('json');
    expect(resolvedFormat('json', true)).toBe('json');
    expect(resolvedFormat('pretty', false)).toBe('pretty');
  });

  it("serves Nest's static Logger once overridden", () => {
    const { nest, json } = loggerFor();
    Logger.overrideLogger(nest);
    try {
      new Logger('Ctx').warn('through Nest');
    } finally {
      Logger.overrideLogger(true);
    }
    expect(json()[0]).toMatchObject({ context: 'Ctx', level: 'warn', msg: 'through Nest' });
  });
});
