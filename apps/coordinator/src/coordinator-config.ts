import { ConfigReader, DEFAULT_SETTLEMENT_POLICY, SettlementPolicy } from '@daedalus/messaging';

export class CoordinatorConfig {
  /** a node silent for longer than this fails the operations it owes results to */
  readonly nodeTimeoutMs: number;
  /** upper bound of any operation without its own `timeout` */
  readonly defaultOperationTimeoutMs: number;
  readonly sweepIntervalMs: number;
  /** how long a message a coordinator took stays with it before another replica gets it (failover time) */
  readonly ackWaitMs: number;
  readonly concurrency: number;
  readonly settlement: SettlementPolicy;

  constructor(config: ConfigReader) {
    this.nodeTimeoutMs = config.number('node-timeout-ms', 30_000);
    this.defaultOperationTimeoutMs = config.number('operation-timeout-ms', 24 * 3600_000);
    this.sweepIntervalMs = config.number('sweep-interval-ms', 2_000);
    this.ackWaitMs = config.number('ack-wait-ms', 10_000);
    this.concurrency = config.number('concurrency', 16);
    this.settlement = {
      ...DEFAULT_SETTLEMENT_POLICY,
      maxAttempts: config.number('max-attempts', DEFAULT_SETTLEMENT_POLICY.maxAttempts),
    };
  }
}
