import { Controller, INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { Msg, NatsConnection } from '@nats-io/transport-node';
import {
  Channels,
  ListBackupsReply,
  ListBackupsRequest,
  SCHEMA_VERSION,
  Streams,
  Subjects,
  SubmitOperationMessage,
} from '@daedalus/contracts';
import { durableRunner, MessageContext, MessageHandler } from '../consumer-runner';
import { FatalError, RetryableError } from '../errors';
import { ensureConsumerAtStartup, JETSTREAM, NATS_CONFIG, NATS_CONNECTION } from '../nats.module';
import { DEFAULT_SETTLEMENT_POLICY } from '../settlement';
import { JetStreamContext } from './contexts';
import { JetStreamServer, TransportEndpoints } from './jetstream.server';
import { jetStreamTransportProviders } from './index';

jest.mock('../consumer-runner', () => ({ ...jest.requireActual('../consumer-runner'), durableRunner: jest.fn() }));
jest.mock('../nats.module', () => ({ ...jest.requireActual('../nats.module'), ensureConsumerAtStartup: jest.fn() }));

const OPERATION = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const received: Array<{ message: unknown; context: unknown }> = [];
let failWith: Error | undefined;

@Controller()
class Handlers {
  @EventPattern(Subjects.submit)
  async submit(@Payload() message: SubmitOperationMessage, @Ctx() context: JetStreamContext): Promise<void> {
    received.push({ message, context });
    if (failWith) throw failWith;
  }

  @MessagePattern(Subjects.listBackups)
  async list(@Payload() request: ListBackupsRequest): Promise<ListBackupsReply> {
    if (failWith) throw failWith;
    return { schemaVersion: SCHEMA_VERSION, ok: true, backups: [request.storageLocation] };
  }
}

const consumer = {
  consumer: { stream: Streams.requests, durable: 'test', filterSubject: Subjects.requestsAll, ackWaitMs: 3000 },
  policy: DEFAULT_SETTLEMENT_POLICY,
  concurrency: 1,
};

describe('JetStreamServer', () => {
  let app: INestMicroservice;
  let deliver: MessageHandler;
  let answer: (msg: Msg) => void;
  const runner = { start: jest.fn(async () => undefined), stop: jest.fn(async () => undefined) };
  const nc = {
    subscribe: jest.fn((_subject: string, options: { callback: (error: Error | null, msg: Msg) => void }) => {
      answer = (msg) => options.callback(null, msg);
      return { unsubscribe: jest.fn() };
    }),
  };

  async function start(endpoints: TransportEndpoints): Promise<INestMicroservice> {
    jest.mocked(durableRunner).mockImplementation((_js, _settings, handler) => {
      deliver = handler;
      return runner as unknown as ReturnType<typeof durableRunner>;
    });
    const moduleRef = await Test.createTestingModule({
      controllers: [Handlers],
      providers: [
        { provide: NATS_CONNECTION, useValue: nc as unknown as NatsConnection },
        { provide: NATS_CONFIG, useValue: {} },
        { provide: JETSTREAM, useValue: {} },
        ...jetStreamTransportProviders({ useFactory: () => endpoints }),
      ],
    }).compile();
    const microservice = moduleRef.createNestMicroservice({ strategy: moduleRef.get(JetStreamServer), logger: false });
    await microservice.listen();
    return microservice;
  }

  const delivery = (subject: string): MessageContext => ({ subject, attempt: 2, isLastAttempt: false });
  const submit = (fields: Record<string, unknown> = {}) => ({
    schemaVersion: SCHEMA_VERSION,
    operationId: OPERATION,
    request: { type: 'flush' },
    submittedAt: new Date().toISOString(),
    ...fields,
  });

  beforeAll(async () => {
    app = await start({ consumers: [consumer], replies: [{ subject: Subjects.listBackups, queue: 'agents' }] });
  });

  afterAll(async () => app.close());

  beforeEach(() => {
    received.length = 0;
    failWith = undefined;
  });

  it('ensures the consumer, then runs it; subscribes the reply subject in its queue group', () => {
    expect(ensureConsumerAtStartup).toHaveBeenCalledWith(nc, {}, consumer.consumer, consumer.policy);
    expect(runner.start).toHaveBeenCalled();
    expect(nc.subscribe).toHaveBeenCalledWith(Subjects.listBackups, expect.objectContaining({ queue: 'agents' }));
  });

  it('hands a valid message to the @EventPattern handler of its subject as the DTO, with its delivery', async () => {
    await deliver(submit(), delivery(Subjects.submit));
    expect(received).toHaveLength(1);
    expect(received[0].message).toBeInstanceOf(SubmitOperationMessage);
    expect(received[0].message).toMatchObject({ operationId: OPERATION, request: { type: 'flush' } });
    expect(received[0].context).toMatchObject({ subject: Subjects.submit, attempt: 2, isLastAttempt: false });
  });

  it('refuses a message that is not its DTO with a FatalError naming why (dead-lettered), never calling the handler', async () => {
    await expect(deliver(submit({ schemaVersion: '2.0', operationId: 'nope' }), delivery(Subjects.submit))).rejects.toThrow(
      new FatalError('SubmitOperation: unsupported schemaVersion "2.0": this build understands 1.x; operationId must be a UUID'),
    );
    await expect(deliver([1], delivery(Subjects.submit))).rejects.toThrow('SubmitOperation: not a JSON object');
    expect(received).toHaveLength(0);
  });

  it('refuses a hostile envelope at once (never retried): too deep, or a prototype key, naming the field', async () => {
    const deep = JSON.parse('{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000)) as unknown;
    await expect(deliver(submit({ submittedAt: deep }), delivery(Subjects.submit))).rejects.toThrow(
      new FatalError('SubmitOperation: submittedAt is nested deeper than 32 levels'),
    );
    const proto = JSON.parse(`{"schemaVersion":"1.0","operationId":"${OPERATION}","constructor":{"name":"x"},"request":{}}`) as unknown;
    await expect(deliver(proto, delivery(Subjects.submit))).rejects.toThrow(
      new FatalError('SubmitOperation: constructor: "constructor" is not allowed as a key'),
    );
    expect(received).toHaveLength(0);
  });

  it('passes a submit’s request to the handler untouched, however hostile (the handler fails the operation)', async () => {
    const request = JSON.parse(
      '{"type":"restore","rename":{"constructor":"x"},"tables":' + '['.repeat(5_000) + ']'.repeat(5_000) + '}',
    ) as unknown;
    await deliver(submit({ request }), delivery(Subjects.submit));
    expect(received).toHaveLength(1);
    expect((received[0].message as SubmitOperationMessage).request).toBe(request);
  });

  it('keeps an invalid Icarus request for the handler (it becomes a FAILED record naming the field)', async () => {
    await deliver(submit({ request: { type: 'flush', keyspace: 'not-a-name' } }), delivery(Subjects.submit));
    expect(received).toHaveLength(1);
  });

  it('gives settlement the error the handler threw, unchanged', async () => {
    failWith = new RetryableError('not yet');
    await expect(deliver(submit(), delivery(Subjects.submit))).rejects.toBe(failWith);
    failWith = new FatalError('never');
    await expect(deliver(submit(), delivery(Subjects.submit))).rejects.toBe(failWith);
  });

  it('dead-letters a message of a subject no handler takes', async () => {
    await expect(deliver({}, delivery(Subjects.cancel))).rejects.toThrow(FatalError);
    await expect(deliver({}, delivery('daedalus.requests.unknown'))).rejects.toThrow('not a JetStream subject of the protocol');
  });

  async function request(data: string): Promise<unknown> {
    const respond = jest.fn();
    answer({ subject: Subjects.listBackups, reply: '_INBOX.1', data: new TextEncoder().encode(data), respond } as unknown as Msg);
    await new Promise((resolve) => setImmediate(resolve));
    expect(respond).toHaveBeenCalledTimes(1);
    return JSON.parse(respond.mock.calls[0][0] as string);
  }

  it('answers a core request with what its @MessagePattern handler returns', async () => {
    expect(await request(JSON.stringify({ schemaVersion: SCHEMA_VERSION, storageLocation: 's3://b' }))).toEqual({
      schemaVersion: SCHEMA_VERSION,
      ok: true,
      backups: ['s3://b'],
    });
  });

  it("answers an invalid request, or a handler that threw, with the channel's error reply", async () => {
    expect(await request(JSON.stringify({ schemaVersion: SCHEMA_VERSION, lastN: -1 }))).toEqual({
      schemaVersion: SCHEMA_VERSION,
      ok: false,
      invalid: true,
      error: 'ListBackups: storageLocation must be a string; lastN must not be less than 0',
    });
    expect(await request('{not json')).toMatchObject({ ok: false, invalid: true, error: expect.stringContaining('not JSON') });
    failWith = new Error('storage down');
    expect(await request(JSON.stringify({ schemaVersion: SCHEMA_VERSION, storageLocation: 's3://b' }))).toEqual(
      Channels.listBackups.errorReply('storage down', false, Subjects.listBackups),
    );
  });

  it('refuses to start with an endpoint no handler takes', async () => {
    const events = { ...consumer, consumer: { ...consumer.consumer, filterSubject: Subjects.eventsAll } };
    await expect(start({ consumers: [events] })).rejects.toThrow(`no @EventPattern handler matches ${Subjects.eventsAll}`);
  });

  it('stops its consumers when the microservice closes', async () => {
    const other = await start({ consumers: [consumer] });
    runner.stop.mockClear();
    await other.close();
    expect(runner.stop).toHaveBeenCalled();
  });
});
