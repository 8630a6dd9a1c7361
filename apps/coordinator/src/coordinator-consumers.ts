import { QueueGroups, Streams, Subjects } from '@daedalus/contracts';
import { coordinatorConsumers, TransportEndpoints } from '@daedalus/messaging';
import { CoordinatorConfig } from './coordinator-config';

/**
 * Where a coordinator listens: the durable consumers of requests and node events, shared by every replica
 * (each message goes to one replica at a time). The transport hands each message to the handler whose
 * `@EventPattern` matches its subject. Schedule requests (core NATS) go to any one replica (queue group).
 */
export function coordinatorEndpoints(config: CoordinatorConfig): TransportEndpoints {
  const { settlement: policy, concurrency, eventConcurrency, ackWaitMs } = config;
  return {
    consumers: coordinatorConsumers(ackWaitMs).map((consumer) => ({
      consumer,
      policy,
      concurrency: consumer.stream === Streams.events ? eventConcurrency : concurrency,
    })),
    replies: [{ subject: Subjects.manageSchedules, queue: QueueGroups.coordinators }],
  };
}
