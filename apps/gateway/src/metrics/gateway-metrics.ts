import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { isTerminal } from '@daedalus/contracts';
import { METRICS, processMetrics } from '@daedalus/common';
import { OperationStore } from '@daedalus/messaging';

/**
 * Besides the operations it queues (OperationPublisher), the gateway counts the few it finishes itself (FAILED when a request
 * could not be queued): each record change is written by one service, so these never double a coordinator's.
 */
@Injectable()
export class GatewayMetrics implements OnApplicationBootstrap {
  private readonly metrics = processMetrics('gateway');

  constructor(private readonly operations: OperationStore) {}

  onApplicationBootstrap(): void {
    this.operations.onTransition((before, after) => {
      if (!isTerminal(before.state) && isTerminal(after.state)) {
        this.metrics.counter(METRICS.operationsFinished).inc({ type: after.type, state: after.state });
      }
    });
  }
}
