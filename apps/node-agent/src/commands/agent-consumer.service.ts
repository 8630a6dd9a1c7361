import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { QueueGroups, Subjects } from '@daedalus/contracts';
import { agentConsumer, TransportEndpoints } from '@daedalus/messaging';
import { AgentConfig } from '../agent-config';
import { CassandraNode } from '../cassandra/cassandra-node';
import { NodeRegistrationService } from '../registration/node-registration.service';

/**
 * Where the agent listens, in start-up order: backup listings at once (any agent answers; no node needed),
 * then — once it has learnt who it is over JMX and registered — this node's commands and its live queries.
 */
@Injectable()
export class AgentConsumerService implements OnApplicationShutdown {
  constructor(
    private readonly config: AgentConfig,
    private readonly registration: NodeRegistrationService,
    private readonly node: CassandraNode,
  ) {}

  endpoints(): TransportEndpoints {
    const { settlement: policy, concurrency, ackWaitMs } = this.config;
    return {
      replies: [
        { subject: Subjects.listBackups, queue: QueueGroups.agents },
        async () => ({ subject: Subjects.nodeQuery((await this.registration.whenRegistered()).hostId) }),
      ],
      consumers: [
        async () => {
          const { hostId } = await this.registration.register();
          return { consumer: agentConsumer(hostId, ackWaitMs), policy, concurrency };
        },
      ],
    };
  }

  /** After the transport stopped taking commands (Nest closes it first). */
  async onApplicationShutdown(): Promise<void> {
    await this.node.close();
  }
}
