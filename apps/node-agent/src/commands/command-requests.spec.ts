import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { JetStreamClient, PubAck } from '@nats-io/jetstream';
import {
  BackupRequest,
  NodeEventMessage,
  OperationRecord,
  OperationState,
  REDACTED,
  RequestValidationError,
  SCHEMA_VERSION,
  SecretKeyring,
} from '@daedalus/contracts';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { createServiceLogger, PinoNestLogger } from '@daedalus/common';
import { MapExecutorRegistry, OperationExecutor } from '../operations/executor';
import { NodeRegistrationService } from '../registration/node-registration.service';
import { CommandGuard } from './command-guard';
import { CommandHandler } from './command.handler';
import { CommandRequests } from './command-requests';
import { EventPublisher } from './event-publisher';
import { ScrubbingHook } from './scrubbing-logger';
import { SecretScrubber } from './secret-scrubber';
import { sealedSecretFields } from '@daedalus/contracts/testing/sealed-secrets';

const HOST = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const OP = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const PROBES = { password: 'pw-probe-e0c4a7', username: 'user-probe-3b9f12', kms: 'arn:aws:kms:eu-west-1:1:key/kms-probe-d41e' };

const keyring = new SecretKeyring([randomBytes(32)]);
const sealedRequest = (operationId = OP, ring = keyring) => ({
  type: 'backup',
  storageLocation: 's3://bucket',
  id: OP,
  hostId: HOST,
  ...sealedSecretFields(ring, operationId, PROBES),
});
const command = (request: Record<string, unknown>) => ({
  schemaVersion: SCHEMA_VERSION,
  kind: 'run' as const,
  operationId: OP,
  hostId: HOST,
  type: 'backup',
  request,
  issuedAt: new Date().toISOString(),
});

describe('CommandRequests (where an agent opens the secrets of a command)', () => {
  it('gives executors the plain values and remembers them for scrubbing', () => {
    const scrubber = new SecretScrubber();
    const request = new CommandRequests(keyring, scrubber).open(command(sealedRequest())) as BackupRequest;
    expect(request.kmsKeyId).toBe(PROBES.kms);
    expect(request.proxySettings).toMatchObject({ proxyUsername: PROBES.username, proxyPassword: PROBES.password });
    expect(scrubber.scrub(`S3: access denied to ${PROBES.kms} via http://${PROBES.username}:${PROBES.password}@proxy`)).toBe(
      `S3: access denied to ${REDACTED} via http://${REDACTED}:${REDACTED}@proxy`,
    );
  });

  it.each([
    ['no key', undefined, sealedRequest(), /kmsKeyId: this agent has no request secrets key/],
    ['another key', new SecretKeyring([randomBytes(32)]), sealedRequest(), /which this service does not hold/],
    ['another operation', keyring, sealedRequest('7f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d'), /does not authenticate/],
    ['plain secrets', keyring, { ...sealedRequest(), kmsKeyId: PROBES.kms }, /kmsKeyId: secrets must be sealed/],
  ])('refuses a command whose secrets cannot be opened (%s), naming the field', (_what, ring, request, message) => {
    let error: unknown;
    try {
      new CommandRequests(ring, new SecretScrubber()).open(command(request));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(PROBES.kms);
  });
});

describe('CommandHandler with secrets', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'warn', 'error']));
  function agent(executor: OperationExecutor, ring: SecretKeyring | undefined = keyring) {
    const events: NodeEventMessage[] = [];
    const js = {
      publish: async (_subject: string, data: string): Promise<PubAck> => {
        events.push(JSON.parse(data) as NodeEventMessage);
        return { stream: 'DAEDALUS_EVENTS', seq: events.length, duplicate: false, domain: '' };
      },
    } as unknown as JetStreamClient;
    const scrubber = new SecretScrubber();
    const record = { state: OperationState.RUNNING, nodes: {} } as unknown as OperationRecord;
    const handler = new CommandHandler(
      new MapExecutorRegistry([executor]),
      new EventPublisher(js, new ManualClock('2026-03-01T10:00:00.000Z'), scrubber),
      { admit: async () => record } as unknown as CommandGuard,
      {
        current: { hostId: HOST },
        roots: { fileStores: ['/tmp'], import: [], staging: [], config: [] },
      } as unknown as NodeRegistrationService,
      new CommandRequests(ring, scrubber),
    );
    return { handler, events };
  }
  const context = { subject: 's', attempt: 1, isLastAttempt: true };

  it('runs the executor on plain values; an error quoting a secret reaches the event scrubbed', async () => {
    const seen: unknown[] = [];
    const executor: OperationExecutor = {
      type: 'backup',
      execute: async (request) => {
        seen.push(request);
        throw new Error(`User is not authorized to perform kms:GenerateDataKey on resource ${(request as BackupRequest).kmsKeyId}`);
      },
    };
    const { handler, events } = agent(executor);
    await handler.handle(command(sealedRequest()), context);
    expect((seen[0] as BackupRequest).proxySettings?.proxyPassword).toBe(PROBES.password);
    expect(events.map((e) => e.kind)).toEqual(['started', 'failed']);
    expect(events[1].message).toBe(`backup failed: User is not authorized to perform kms:GenerateDataKey on resource ${REDACTED}`);
  });

  it('a result quoting a secret is scrubbed too', async () => {
    const executor: OperationExecutor = {
      type: 'backup',
      execute: async (request) => ({ note: `used ${(request as BackupRequest).kmsKeyId}` }),
    };
    const { handler, events } = agent(executor);
    await handler.handle(command(sealedRequest()), context);
    expect(events[1]).toMatchObject({ kind: 'completed', result: { note: `used ${REDACTED}` } });
  });

  it('fails the node naming the field when the secrets do not open, without running the executor', async () => {
    let ran = false;
    const { handler, events } = agent({ type: 'backup', execute: async () => (ran = true) }, new SecretKeyring([randomBytes(32)]));
    await handler.handle(command(sealedRequest()), context);
    expect(ran).toBe(false);
    expect(events).toHaveLength(1);
    expect(events[0].kind).toBe('failed');
    expect(events[0].message).toMatch(/^invalid request: kmsKeyId: sealed with key [0-9a-f]{16}, which this service does not hold/);
  });
});

describe('SecretScrubber', () => {
  it('scrubs escaped forms in JSON, ignores very short values, forgets the oldest beyond its bound', () => {
    const scrubber = new SecretScrubber();
    scrubber.remember(['quote"back\\slash', 'ab']);
    expect(scrubber.scrubValue({ m: 'x quote"back\\slash y', n: 'ab' })).toEqual({ m: `x ${REDACTED} y`, n: 'ab' });
    const value = { untouched: true };
    expect(scrubber.scrubValue(value)).toBe(value);
    for (let i = 0; i < 300; i++) scrubber.remember([`secret-${i}`]);
    expect(scrubber.scrub('secret-299')).toBe(REDACTED);
    expect(scrubber.scrub('quote"back\\slash')).toBe('quote"back\\slash');
  });
});

describe("ScrubbingHook (the agent's log)", () => {
  it('writes every JSON line, stack traces too, without the secrets the agent opened', () => {
    const scrubber = new SecretScrubber();
    scrubber.remember([PROBES.password]);
    const hook = new ScrubbingHook();
    const written: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString());
        done();
      },
    });
    const logger = new PinoNestLogger(
      createServiceLogger({ service: 'node-agent', level: 'info', format: 'json', scrub: hook.line, destination }),
    );
    logger.warn(`before the module: ${PROBES.password.slice(0, 3)}`, 'Bootstrap');
    hook.use(scrubber);
    logger.warn(`proxy refused ${PROBES.password}`, 'CommandHandler');
    logger.error(`failed: ${PROBES.password}`, `Error: x\n    at proxy (${PROBES.password})`, 'CommandHandler');
    const lines = written
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; stack?: string });
    expect(lines[1].msg).toBe(`proxy refused ${REDACTED}`);
    expect(lines[2].stack).toContain(`at proxy (${REDACTED})`);
    expect(written.join('')).not.toContain(PROBES.password);
  });
});
