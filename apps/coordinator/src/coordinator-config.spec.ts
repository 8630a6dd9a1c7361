import { ConfigError, ConfigReader } from '@daedalus/common';
import { DEFAULT_SETTLEMENT_POLICY, DEFAULT_TOPOLOGY } from '@daedalus/messaging';
import { CoordinatorConfig } from './coordinator-config';

const load = (argv: string[], env: NodeJS.ProcessEnv = {}) => new CoordinatorConfig(new ConfigReader(argv, env));
const problemsOf = (argv: string[], env: NodeJS.ProcessEnv = {}): readonly string[] => {
  try {
    load(argv, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('CoordinatorConfig', () => {
  it('has the defaults it always had', () => {
    const config = load([]);
    expect(config).toMatchObject({
      nodeTimeoutMs: 30_000,
      restoreImportGraceMs: 300_000,
      defaultOperationTimeoutMs: 24 * 3600_000,
      sweepIntervalMs: 2_000,
      ackWaitMs: 10_000,
      concurrency: 16,
      settlement: DEFAULT_SETTLEMENT_POLICY,
    });
    expect(config.nats).toEqual({
      servers: ['nats://127.0.0.1:4222'],
      replicas: 1,
      name: 'daedalus-coordinator',
      startupTimeoutMs: 60_000,
    });
    expect(config.topology).toEqual(DEFAULT_TOPOLOGY);
  });

  it('takes the flags the test harness and the demo give it', () => {
    const config = load(['--node-timeout-ms', '10000', '--ack-wait-ms', '4000', '--sweep-interval-ms', '1000'], {
      NATS_SERVERS: 'nats://a:1,nats://b:2',
    });
    expect(config).toMatchObject({ nodeTimeoutMs: 10_000, ackWaitMs: 4_000, sweepIntervalMs: 1_000 });
    expect(config.nats.servers).toEqual(['nats://a:1', 'nats://b:2']);
  });

  it('reads the stream and bucket settings and the NATS replicas', () => {
    const config = load(['--operation-retention-ms', '3600000', '--max-attempts', '3'], { DAEDALUS_NATS_REPLICAS: '3' });
    expect(config.topology).toEqual({ ...DEFAULT_TOPOLOGY, replicas: 3, operationRetentionMs: 3_600_000 });
    expect(config.settlement.maxAttempts).toBe(3);
  });

  it('refuses --concurrency 0 (a consumer would handle one message and hang)', () => {
    expect(problemsOf(['--concurrency', '0'])).toEqual([
      '--concurrency (DAEDALUS_CONCURRENCY) must be a whole number from 1 to 256, got 0',
    ]);
  });

  it.each([
    [['--sweep-interval-ms', '3000000000'], '--sweep-interval-ms (DAEDALUS_SWEEP_INTERVAL_MS) must be a whole number of milliseconds'],
    [['--ack-wait-ms', '10'], '--ack-wait-ms (DAEDALUS_ACK_WAIT_MS) must be a whole number of milliseconds'],
    [['--max-attempts', '0'], '--max-attempts (DAEDALUS_MAX_ATTEMPTS) must be a whole number from 1 to 100, got 0'],
    [
      ['--duplicate-window-ms', '0'],
      '--duplicate-window-ms (DAEDALUS_DUPLICATE_WINDOW_MS) must be a whole number of milliseconds from 1000',
    ],
  ])('refuses %j', (argv, message) => {
    expect(problemsOf(argv)).toEqual([expect.stringContaining(message)]);
  });

  it("stops at a flag it does not know, even another service's, naming the nearest", () => {
    expect(problemsOf(['--node-timeout', '5000'])).toEqual(['unknown flag --node-timeout: did you mean --node-timeout-ms?']);
    expect(problemsOf(['--http-port', '80'])).toEqual([expect.stringMatching(/^unknown flag --http-port: did you mean --/)]);
  });
});
