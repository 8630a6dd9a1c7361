import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  assertSupportedSchemaVersion,
  NodeQueryKind,
  NodeQueryMessage,
  NodeQueryReply,
  SCHEMA_VERSION,
  Subjects,
} from '@daedalus/contracts';
import { NATS_CONNECTION } from '@daedalus/messaging';
import { errorMessage } from '@daedalus/common';
import { CassandraNode } from '../cassandra/cassandra-node';
import { NodeRegistrationService } from './node-registration.service';

const KINDS: readonly NodeQueryKind[] = ['status', 'versions', 'topology', 'schema'];

function parseQuery(data: unknown): NodeQueryMessage {
  if (typeof data !== 'object' || data === null) throw new Error('query is not a JSON object');
  const query = data as Partial<NodeQueryMessage>;
  assertSupportedSchemaVersion(query.schemaVersion);
  if (!KINDS.includes(query.query as NodeQueryKind)) throw new Error(`query must be one of ${KINDS.join(', ')}`);
  return query as NodeQueryMessage;
}

/**
 * Answers live questions about this node (core NATS request/reply on `daedalus.nodes.<hostId>.query`)
 * by reading JMX at request time, so the gateway's /status, /version/* and /topology are not a heartbeat old,
 * and a table created a moment ago is found before the registration lists it.
 */
@Injectable()
export class NodeQueryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NodeQueryService.name);
  private subscription?: Subscription;
  private stopped = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly node: CassandraNode,
    private readonly registration: NodeRegistrationService,
  ) {}

  /** Not awaited: the subject needs the host ID, which registration (run by the command consumer) learns. */
  onApplicationBootstrap(): void {
    void this.registration.whenRegistered().then(({ hostId }) => {
      if (this.stopped) return;
      this.subscription = this.nc.subscribe(Subjects.nodeQuery(hostId), {
        callback: (error, msg) => {
          if (error) this.logger.warn(`query subscription: ${errorMessage(error)}`);
          else void this.answer(hostId, msg);
        },
      });
      this.logger.log(`answering live queries on ${Subjects.nodeQuery(hostId)}`);
    });
  }

  private async answer(hostId: string, msg: Msg): Promise<void> {
    let reply: NodeQueryReply;
    try {
      reply = { schemaVersion: SCHEMA_VERSION, hostId, ok: true, ...(await this.read(parseQuery(msg.json<unknown>()).query)) };
    } catch (error) {
      reply = { schemaVersion: SCHEMA_VERSION, hostId, ok: false, error: errorMessage(error) };
    }
    msg.respond(JSON.stringify(reply));
  }

  private async read(kind: NodeQueryKind): Promise<Partial<NodeQueryReply>> {
    switch (kind) {
      case 'status':
        return { status: { operationMode: await this.node.operationMode() } };
      case 'versions': {
        const [cassandra, schema] = await Promise.all([this.node.releaseVersion(), this.node.schemaVersion()]);
        return { versions: { cassandra, schema } };
      }
      case 'topology': {
        const [self, nodes] = await Promise.all([this.node.describe(), this.node.clusterNodes()]);
        return { topology: { clusterName: self.clusterName, schemaVersion: self.schemaVersion, nodes } };
      }
      case 'schema':
        // the gateway asks when a request names a keyspace or table the registration does not list yet
        return { schema: { keyspaces: await this.node.schema() } };
    }
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.subscription?.unsubscribe();
  }
}
