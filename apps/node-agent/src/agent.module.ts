import { jmxCallRecorder, processMetrics } from '@daedalus/common';
import { AgentMetrics } from './adapters/agent-metrics';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JmxBridgeClient, JmxClient } from '@daedalus/jmx';
import { jetStreamTransportProviders, NatsInfraModule } from '@daedalus/messaging';
import { AgentConfig } from './agent-config';
import { BackupListService } from './repository/backup-list.service';
import { BackupExecutor } from './operations/backup/backup.executor';
import { CommitLogBackupExecutor } from './operations/commitlog/commitlog-backup.executor';
import { CommitLogRestoreExecutor } from './operations/commitlog/commitlog-restore.executor';
import { InFlightUploads } from './repository/in-flight-uploads';
import { ListExecutor } from './operations/backup/list.executor';
import { VERIFY_SETTINGS, VerifyExecutor } from './operations/backup/verify.executor';
import { ManifestCache } from './repository/manifest-store';
import { CassandraSnapshots, JmxCassandraSnapshots } from './cassandra/snapshots';
import { RestoreLedger } from './operations/restore/restore-ledger';
import { ClientEncryption } from './repository/encryption';
import { RestoreExecutor, RestoreSettings } from './operations/restore/restore.executor';
import { REMOVAL_SETTINGS, RemoveBackupExecutor } from './operations/remove-backup/remove-backup.executor';
import { CassandraNode } from './cassandra/cassandra-node';
import { JmxCassandraNode } from './cassandra/jmx-cassandra-node';
import { AgentConsumerService } from './commands/agent-consumer.service';
import { CommandHandler } from './commands/command.handler';
import { CommandRequests } from './commands/command-requests';
import { CommandGuard } from './commands/command-guard';
import { EventPublisher } from './commands/event-publisher';
import { SecretScrubber } from './commands/secret-scrubber';
import { CleanupExecutor } from './operations/cleanup.executor';
import { DecommissionExecutor } from './operations/decommission.executor';
import { DrainExecutor } from './operations/drain.executor';
import { ExecutorRegistry, ExecutorSettings } from './operations/executor';
import {
  DiscoveredExecutors,
  EXECUTOR_SETTINGS,
  IMPORT_WORK_ROOT,
  LOCAL_HOST_ID,
  RESTORE_SETTINGS,
  TRUNCATE_ENABLED,
} from './operations/executor-discovery';
import { FlushExecutor } from './operations/flush.executor';
import { ImportExecutor } from './operations/import.executor';
import { RebuildExecutor } from './operations/rebuild.executor';
import { RefreshExecutor } from './operations/refresh.executor';
import { ScrubExecutor } from './operations/scrub.executor';
import { TruncateExecutor } from './operations/truncate.executor';
import { UpgradeSSTablesExecutor } from './operations/upgrade-sstables.executor';
import { NodeQueryService } from './registration/node-query.service';
import { NodeRegistrationService } from './registration/node-registration.service';
import { NodeIdentity } from './registration/node-identity';
import { importWorkRoot } from './paths/agent-roots';

const JMX_CLIENT = Symbol('JMX_CLIENT');

/** The executors (`@OperationExecutorFor`), found by `DiscoveredExecutors`. */
const EXECUTORS = [
  BackupExecutor,
  RestoreExecutor,
  RemoveBackupExecutor,
  ListExecutor,
  VerifyExecutor,
  FlushExecutor,
  CleanupExecutor,
  ScrubExecutor,
  UpgradeSSTablesExecutor,
  RefreshExecutor,
  ImportExecutor,
  TruncateExecutor,
  RebuildExecutor,
  DecommissionExecutor,
  DrainExecutor,
  CommitLogBackupExecutor,
  CommitLogRestoreExecutor,
];

@Module({})
export class AgentModule {
  static create(config: AgentConfig): DynamicModule {
    const jmxLogger = new Logger('JmxBridge');
    const settings: ExecutorSettings = { progressIntervalMs: config.progressIntervalMs };
    const restore: RestoreSettings = {
      configDir: config.cassandraConfigDir,
      cassandraHome: config.cassandraHome,
      reserveBytes: config.restoreReserveBytes,
    };
    return {
      module: AgentModule,
      imports: [NatsInfraModule.forRoot(config.nats, config.topology, config.signing), DiscoveryModule],
      // the handlers of commands (`@EventPattern`) and of core NATS requests (`@MessagePattern`)
      controllers: [CommandHandler, NodeQueryService, BackupListService],
      providers: [
        { provide: AgentConfig, useValue: config },
        {
          // one bridge JVM per agent, shared by everything that talks to the node
          provide: JMX_CLIENT,
          useFactory: () =>
            new JmxBridgeClient({
              ...config.jmx,
              logger: { log: (m) => jmxLogger.debug(m), warn: (m) => jmxLogger.warn(m) },
              onCall: jmxCallRecorder(processMetrics()),
            }),
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
        { provide: ClientEncryption, useValue: config.encryption },
        RestoreLedger,
        { provide: EXECUTOR_SETTINGS, useValue: settings },
        { provide: RESTORE_SETTINGS, useValue: restore },
        { provide: VERIFY_SETTINGS, useValue: { orphanGraceMs: config.verifyOrphanGraceMs, removalGraceMs: config.removalGraceMs } },
        { provide: REMOVAL_SETTINGS, useValue: { graceMs: config.removalGraceMs } },
        { provide: TRUNCATE_ENABLED, useValue: config.enableTruncate },
        {
          provide: IMPORT_WORK_ROOT,
          inject: [NodeRegistrationService],
          useFactory: (identity: NodeRegistrationService) => () => importWorkRoot(identity.roots),
        },
        {
          provide: LOCAL_HOST_ID,
          inject: [NodeRegistrationService],
          useFactory: (identity: NodeRegistrationService) => () => identity.current.hostId,
        },
        ...EXECUTORS,
        { provide: ExecutorRegistry, useClass: DiscoveredExecutors },
        EventPublisher,
        SecretScrubber,
        {
          provide: CommandRequests,
          inject: [SecretScrubber],
          useFactory: (scrubber: SecretScrubber) => new CommandRequests(config.requestSecrets, scrubber),
        },
        CommandGuard,
        NodeRegistrationService,
        { provide: NodeIdentity, useExisting: NodeRegistrationService },
        AgentConsumerService,
        AgentMetrics,
        ...jetStreamTransportProviders({ inject: [AgentConsumerService], useFactory: (agent: AgentConsumerService) => agent.endpoints() }),
      ],
    };
  }
}
