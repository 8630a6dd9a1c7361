import { dirname, join } from 'node:path';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { JmxBridgeClient, JmxClient } from '@daedalus/jmx';
import { NatsInfraModule } from '@daedalus/messaging';
import { AgentConfig } from './agent-config';
import { BackupListService } from './repository/backup-list.service';
import { BackupExecutor } from './operations/backup/backup.executor';
import { InFlightUploads } from './repository/in-flight-uploads';
import { ListExecutor } from './operations/backup/list.executor';
import { ManifestCache } from './repository/manifest-store';
import { CassandraSnapshots, JmxCassandraSnapshots } from './cassandra/snapshots';
import { RestoreLedger } from './operations/restore/restore-ledger';
import { RestoreExecutor } from './operations/restore/restore.executor';
import { CassandraNode } from './cassandra/cassandra-node';
import { JmxCassandraNode } from './cassandra/jmx-cassandra-node';
import { AgentConsumerService } from './commands/agent-consumer.service';
import { CommandHandler } from './commands/command.handler';
import { EventPublisher } from './commands/event-publisher';
import { CleanupExecutor } from './operations/cleanup.executor';
import { DecommissionExecutor } from './operations/decommission.executor';
import { DrainExecutor } from './operations/drain.executor';
import { ExecutorRegistry, ExecutorSettings, MapExecutorRegistry } from './operations/executor';
import { FlushExecutor } from './operations/flush.executor';
import { ImportExecutor } from './operations/import.executor';
import { RebuildExecutor } from './operations/rebuild.executor';
import { RefreshExecutor } from './operations/refresh.executor';
import { ScrubExecutor } from './operations/scrub.executor';
import { TruncateExecutor } from './operations/truncate.executor';
import { UpgradeSSTablesExecutor } from './operations/upgrade-sstables.executor';
import { NodeQueryService } from './registration/node-query.service';
import { NodeRegistrationService } from './registration/node-registration.service';

const JMX_CLIENT = Symbol('JMX_CLIENT');

@Module({})
export class AgentModule {
  static create(config: AgentConfig): DynamicModule {
    const jmxLogger = new Logger('JmxBridge');
    const settings: ExecutorSettings = { progressIntervalMs: config.progressIntervalMs };
    return {
      module: AgentModule,
      imports: [NatsInfraModule.forRoot(config.nats, config.topology)],
      providers: [
        { provide: AgentConfig, useValue: config },
        {
          // one bridge JVM per agent, shared by everything that talks to the node
          provide: JMX_CLIENT,
          useFactory: () =>
            new JmxBridgeClient({ ...config.jmx, logger: { log: (m) => jmxLogger.debug(m), warn: (m) => jmxLogger.warn(m) } }),
        },
        {
          provide: CassandraNode,
          inject: [JMX_CLIENT],
          useFactory: (jmx: JmxClient) => new JmxCassandraNode(jmx, { operationTimeoutMs: config.operationTimeoutMs }),
        },
        {
          provide: CassandraSnapshots,
          inject: [JMX_CLIENT, CassandraNode],
          useFactory: (jmx: JmxClient, node: CassandraNode) => new JmxCassandraSnapshots(jmx, () => node.releaseVersion()),
        },
        ManifestCache,
        InFlightUploads,
        RestoreLedger,
        BackupListService,
        {
          provide: ExecutorRegistry,
          inject: [CassandraNode, CassandraSnapshots, NodeRegistrationService, ManifestCache, InFlightUploads, RestoreLedger],
          useFactory: (
            node: CassandraNode,
            snapshots: CassandraSnapshots,
            identity: NodeRegistrationService,
            manifests: ManifestCache,
            inFlight: InFlightUploads,
            ledger: RestoreLedger,
          ) =>
            new MapExecutorRegistry([
              new BackupExecutor(node, snapshots, identity, manifests, inFlight),
              new RestoreExecutor(node, snapshots, identity, ledger, {
                configDir: config.cassandraConfigDir,
                cassandraHome: config.cassandraHome,
                reserveBytes: config.restoreReserveBytes,
              }),
              new ListExecutor(),
              new FlushExecutor(node),
              new CleanupExecutor(node, settings),
              new ScrubExecutor(node, settings),
              new UpgradeSSTablesExecutor(node, settings),
              new RefreshExecutor(node),
              new ImportExecutor(
                node,
                () => join(dirname(identity.current.dataDirectories[0]), 'daedalus-import'),
                () => identity.current.hostId,
              ),
              new TruncateExecutor(node, config.enableTruncate),
              new RebuildExecutor(node),
              new DecommissionExecutor(node, settings),
              new DrainExecutor(node),
            ]),
        },
        EventPublisher,
        NodeRegistrationService,
        NodeQueryService,
        CommandHandler,
        AgentConsumerService,
      ],
    };
  }
}
