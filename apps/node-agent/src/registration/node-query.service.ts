import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Channels, NodeQueryKind, NodeQueryMessage, NodeQueryReply, SCHEMA_VERSION } from '@daedalus/contracts';
import { errorMessage } from '@daedalus/common';
import { CassandraNode } from '../cassandra/cassandra-node';
import { NodeRegistrationService } from './node-registration.service';
import { readCoverage } from './range-coverage';
import { readConfigForDisplay } from '../cassandra/config-view';
import { RESTORE_SETTINGS } from '../operations/executor-discovery';
import type { RestoreSettings } from '../operations/restore/restore.executor';

/**
 * Answers live questions about this node (core NATS request/reply on `daedalus.nodes.<hostId>.query`)
 * by reading JMX (cassandra.yaml for `config`) at request time, so the gateway's /status, /version/* and /topology are not a heartbeat old,
 * and a table created a moment ago is found before the registration lists it. The transport subscribes to this
 * node's subject only, once registration has learnt the host ID.
 */
@Controller()
export class NodeQueryService {
  constructor(
    private readonly node: CassandraNode,
    private readonly registration: NodeRegistrationService,
    @Inject(RESTORE_SETTINGS) private readonly settings: RestoreSettings,
  ) {}

  @MessagePattern(Channels.nodeQuery.pattern)
  async answer(@Payload() query: NodeQueryMessage): Promise<NodeQueryReply> {
    const hostId = this.registration.current.hostId;
    try {
      return { schemaVersion: SCHEMA_VERSION, hostId, ok: true, ...(await this.read(query)) };
    } catch (error) {
      return { schemaVersion: SCHEMA_VERSION, hostId, ok: false, error: errorMessage(error) };
    }
  }

  private async read(query: NodeQueryMessage): Promise<Partial<NodeQueryReply>> {
    const kind: NodeQueryKind = query.query;
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
      case 'coverage':
        // a coordinator asks before a backup goes on without down nodes (skipDownNodes)
        return { coverage: await readCoverage(this.node, query.hostIds ?? [], query.entities) };
      case 'config':
        // GET /config: the file as the node has it, secrets redacted
        return { config: await readConfigForDisplay(this.settings.configDir) };
    }
  }
}
