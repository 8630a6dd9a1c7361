import { JetStreamApiError } from '@nats-io/jetstream';
import { errors } from '@nats-io/transport-node';
import { isTransientJetStreamError, retryDuringStartup, StartupRetryOptions } from './startup-retry';

const apiError = (code: number, err_code: number, description: string) => new JetStreamApiError({ code, err_code, description });

describe('isTransientJetStreamError', () => {
  it.each([
    ['a request timeout', new errors.TimeoutError()],
    ['no responders', new errors.NoRespondersError('$JS.API.STREAM.CREATE.X')],
    [
      'a request error caused by no responders',
      new errors.RequestError('no responders', { cause: new errors.NoRespondersError('$JS.API.INFO') }),
    ],
    ['JetStream temporarily unavailable', apiError(503, 10008, 'JetStream system temporarily unavailable')],
    ['a cluster without enough peers yet', apiError(500, 10005, 'no suitable peers for placement')],
    ['a server still joining its JetStream cluster', Object.assign(new Error('jetstream is not enabled'), { name: 'JetStreamNotEnabled' })],
  ])('treats %s as transient', (_what, error) => {
    expect(isTransientJetStreamError(error)).toBe(true);
  });

  it.each([
    ['a bad stream configuration', apiError(400, 10058, 'stream name already in use with a different configuration')],
    ['a permission violation', new errors.PermissionViolationError('not allowed', 'publish', '$JS.API.STREAM.CREATE.X')],
    ['a plain error', new Error('boom')],
    ['a non-error', 'timeout'],
  ])('treats %s as permanent', (_what, error) => {
    expect(isTransientJetStreamError(error)).toBe(false);
  });
});

describe('retryDuringStartup', () => {
  function fakeTime(timeoutMs: number): StartupRetryOptions & { slept: number[]; retries: string[] } {
    let now = 0;
    const slept: number[] = [];
    const retries: string[] = [];
    return {
      timeoutMs,
      initialDelayMs: 100,
      maxDelayMs: 400,
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
      onRetry: (message) => retries.push(message),
      slept,
      retries,
    };
  }

  it('retries transient failures with capped backoff until the step succeeds', async () => {
    const options = fakeTime(10_000);
    let calls = 0;
    const result = await retryDuringStartup(
      'creating streams',
      async () => {
        calls += 1;
        if (calls < 5) throw new errors.TimeoutError();
        return 'created';
      },
      options,
    );
    expect(result).toBe('created');
    expect(options.slept).toEqual([100, 200, 400, 400]);
    expect(options.retries[0]).toMatch(/^creating streams: attempt 1 failed \(.*\); retrying in 100 ms$/);
  });

  it('rethrows a permanent failure at once', async () => {
    const options = fakeTime(10_000);
    const permanent = apiError(400, 10058, 'stream name already in use with a different configuration');
    await expect(retryDuringStartup('creating streams', async () => Promise.reject(permanent), options)).rejects.toBe(permanent);
    expect(options.slept).toEqual([]);
  });

  it('waits out only what the given classifier calls transient', async () => {
    const options = { ...fakeTime(10_000), isTransient: (error: unknown) => error instanceof errors.ConnectionError };
    let calls = 0;
    const connected = await retryDuringStartup(
      'connecting to NATS',
      async () => {
        calls += 1;
        if (calls < 3) throw new errors.ConnectionError('connection refused');
        return 'connected';
      },
      options,
    );
    expect(connected).toBe('connected');
    expect(options.slept).toEqual([100, 200]);
    await expect(
      retryDuringStartup('connecting to NATS', async () => Promise.reject(new errors.TimeoutError()), options),
    ).rejects.toBeInstanceOf(errors.TimeoutError);
    expect(options.slept).toEqual([100, 200]);
  });

  it('gives up with the last error once the time is spent', async () => {
    const options = fakeTime(1_000);
    let calls = 0;
    await expect(
      retryDuringStartup(
        'creating buckets',
        async () => {
          calls += 1;
          throw new errors.TimeoutError();
        },
        options,
      ),
    ).rejects.toBeInstanceOf(errors.TimeoutError);
    // 100 + 200 + 400 = 700 ms slept; the next 400 ms wait would pass the 1 s deadline
    expect(options.slept).toEqual([100, 200, 400]);
    expect(calls).toBe(4);
  });
});
