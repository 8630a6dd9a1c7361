import { DiscardPolicy, JetStreamApiError, JetStreamManager } from '@nats-io/jetstream';
import { Streams, Subjects } from '@daedalus/contracts';
import { errors, nanos } from '@nats-io/transport-node';
import { isPermissionDenied, NotProvisionedError } from './permissions';
import { consumerConfig, DEFAULT_MAX_ACK_PENDING, DEFAULT_TOPOLOGY, ensureConsumer, ensureStreams, maxDeliveries } from './topology';

const apiError = (code: number, err_code: number, description: string) => new JetStreamApiError({ code, err_code, description });

/** A JetStream manager whose streams appear when another service creates them while this one adds them. */
function racingManager(addError: JetStreamApiError) {
  const existing = new Set<string>();
  const added: string[] = [];
  const jsm = {
    streams: {
      info: async (name: string) => {
        if (!existing.has(name)) throw apiError(404, 10059, 'stream not found');
        return { config: { name } };
      },
      update: async (name: string) => ({ config: { name } }),
      add: async (config: { name: string }) => {
        existing.add(config.name); // the other service won the race
        added.push(config.name);
        throw addError;
      },
    },
  } as unknown as JetStreamManager;
  return { jsm, added };
}

describe('ensureStreams', () => {
  it.each([
    ['the name is already in use', apiError(400, 10058, 'stream name already in use with a different configuration')],
    ['the subjects overlap (nats-server 2.9 when two adds race)', apiError(400, 10065, 'subjects overlap with an existing stream')],
  ])('accepts a stream another service created meanwhile: %s', async (_case, error) => {
    const { jsm, added } = racingManager(error);
    await expect(ensureStreams(jsm, DEFAULT_TOPOLOGY)).resolves.toBeUndefined();
    expect(added.length).toBeGreaterThan(0);
  });

  it('still fails when the stream is not there after a refused add', async () => {
    const jsm = {
      streams: {
        info: async () => {
          throw apiError(404, 10059, 'stream not found');
        },
        add: async () => {
          throw apiError(400, 10065, 'subjects overlap with an existing stream');
        },
      },
    } as unknown as JetStreamManager;
    await expect(ensureStreams(jsm, DEFAULT_TOPOLOGY)).rejects.toThrow('subjects overlap');
  });
});

/** A JetStream manager on which every stream exists: records the configuration ensureStreams writes. */
function recordingManager() {
  const written: Array<{ name: string; subjects?: string[]; max_bytes?: number; max_age?: number; discard?: string }> = [];
  const jsm = {
    streams: {
      info: async (name: string) => ({ config: { name } }),
      update: async (_name: string, config: { name: string }) => {
        written.push(config);
        return { config };
      },
    },
  } as unknown as JetStreamManager;
  return { jsm, written: (name: string) => written.find((config) => config.name === name) };
}

describe('stream limits', () => {
  it('bounds the dead-letter stream by age and by size, dropping the oldest letters (a flood of junk cannot fill the disk)', async () => {
    const { jsm, written } = recordingManager();
    await ensureStreams(jsm, { ...DEFAULT_TOPOLOGY, deadLetterMaxBytes: 5 * 1024 ** 2 });
    expect(written(Streams.deadLetters)).toMatchObject({
      max_bytes: 5 * 1024 ** 2,
      max_age: nanos(DEFAULT_TOPOLOGY.deadLetterRetentionMs),
      discard: DiscardPolicy.Old,
    });
  });

  it('takes exactly the four request subjects, so a message on any other finds no stream', async () => {
    const { jsm, written } = recordingManager();
    await ensureStreams(jsm, DEFAULT_TOPOLOGY);
    expect(written(Streams.requests)?.subjects).toEqual([Subjects.submit, Subjects.cancel, Subjects.resume, Subjects.alert]);
  });
});

describe('consumers', () => {
  const spec = { stream: 'S', durable: 'd', filterSubject: 'daedalus.requests.>', ackWaitMs: 4_000 };

  it('bounds redelivery: the attempts, and one delivery more to dead-letter a message whose handling kept dying', () => {
    expect(maxDeliveries({ maxAttempts: 8 })).toBe(9);
    expect(consumerConfig(spec, { maxAttempts: 3 })).toMatchObject({
      ack_wait: nanos(4_000),
      max_deliver: 4,
      max_ack_pending: DEFAULT_MAX_ACK_PENDING,
    });
  });

  it('brings a consumer an older version created (unbounded redelivery) up to date', async () => {
    const updated: unknown[] = [];
    const jsm = {
      consumers: {
        info: async () => ({ config: { durable_name: 'd', max_deliver: -1 } }),
        update: async (_stream: string, _durable: string, config: unknown) => updated.push(config),
        add: async () => {
          throw new Error('must not be added again');
        },
      },
    } as unknown as JetStreamManager;
    await ensureConsumer(jsm, spec, { maxAttempts: 8 });
    expect(updated).toEqual([{ ack_wait: nanos(4_000), max_deliver: 9, max_ack_pending: DEFAULT_MAX_ACK_PENDING }]);
  });
});

describe('an identity that may not create or update the topology (deploy/nats)', () => {
  const denied = (subject: string) =>
    new errors.PermissionViolationError(`Permissions Violation for Publish to "${subject}"`, 'publish', subject);
  const spec = { stream: 'S', durable: 'd', filterSubject: 'daedalus.requests.>', ackWaitMs: 4_000 };

  it('leaves a consumer that is already as wanted alone: no update is sent', async () => {
    const wanted = consumerConfig(spec, { maxAttempts: 8 });
    const jsm = {
      consumers: {
        info: async () => ({ config: { ...wanted } }),
        update: async () => {
          throw new Error('must not be updated');
        },
      },
    } as unknown as JetStreamManager;
    await expect(ensureConsumer(jsm, spec, { maxAttempts: 8 })).resolves.toBeUndefined();
  });

  it('keeps a stream or consumer it may not update as it is, and says so', async () => {
    const notices: string[] = [];
    const jsm = {
      streams: {
        info: async (name: string) => ({ config: { name } }),
        update: async (name: string) => {
          throw denied(`$JS.API.STREAM.UPDATE.${name}`);
        },
      },
      consumers: {
        info: async () => ({ config: { max_deliver: -1 } }),
        update: async () => {
          throw denied('$JS.API.CONSUMER.CREATE.S.d');
        },
      },
    } as unknown as JetStreamManager;
    await ensureStreams(jsm, DEFAULT_TOPOLOGY, (message) => notices.push(message));
    await ensureConsumer(jsm, spec, { maxAttempts: 8 }, (message) => notices.push(message));
    expect(notices).toHaveLength(5);
    expect(notices[4]).toMatch(/consumer d differs .*max_deliver.* may not update it: kept as it is/);
  });

  it('says what is missing when it may not create it (waited out at start-up), never that it exists', async () => {
    const jsm = {
      streams: {
        info: async () => {
          throw apiError(404, 10059, 'stream not found');
        },
        add: async (config: { name: string }) => {
          throw denied(`$JS.API.STREAM.CREATE.${config.name}`);
        },
      },
      consumers: {
        info: async () => {
          throw apiError(404, 10014, 'consumer not found');
        },
        add: async () => {
          throw denied('$JS.API.CONSUMER.CREATE.S.d');
        },
      },
    } as unknown as JetStreamManager;
    await expect(ensureStreams(jsm, DEFAULT_TOPOLOGY)).rejects.toThrow(NotProvisionedError);
    await expect(ensureStreams(jsm, DEFAULT_TOPOLOGY)).rejects.toThrow(
      /stream DAEDALUS_REQUESTS does not exist and this NATS identity may not create it/,
    );
    await expect(ensureConsumer(jsm, spec, { maxAttempts: 8 })).rejects.toThrow(NotProvisionedError);
    expect(isPermissionDenied(new Error('wrapped', { cause: denied('x') }))).toBe(true);
    expect(isPermissionDenied(apiError(404, 10014, 'consumer not found'))).toBe(false);
  });
});
