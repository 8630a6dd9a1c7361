import { Command, InvalidArgumentError, Option } from '../commander';
import { errorMessage } from '@daedalus/common';
import { EsopCommandName, EsopFlagError, EsopOptions } from './esop-requests';
import { backupLocally, commitLogLocally, listLocally, LocalResult, restoreLocally } from './local-operations';
import { OutputMode } from './output';

/** Exit status: 0 done, 1 the operation failed, 2 the command line was wrong. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const integer = (flag: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} takes a whole number`);
  return Number(value);
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Esop's AbstractOperationRequest flags with its proxy and retry mixins, on every storage command. */
function storageOptions(command: Command): Command {
  return command
    .option(
      '--storage-location <location>',
      '(also --sl) where backups are: s3://bucket[/cluster/dc/node], gcp://…, azure://…, file:///dir/bucket[/cluster/dc/node]',
    )
    .option('--concurrent-connections <n>', '(also --cc) files transferred at once (default 10)', integer('--concurrent-connections'))
    .option('--insecure-http', 'refused: the store endpoint (and plain HTTP) come from the environment')
    .option('--skip-bucket-verification', 'do not check that the bucket exists')
    .option('--kms-key-id <id>', 'KMS key the store encrypts new objects with (S3, GCS)')
    .option('--k8s-namespace <namespace>', "Esop's Kubernetes secret namespace (refused: credentials come from the environment)")
    .option('--k8s-secret-name <name>', "Esop's Kubernetes secret (refused: credentials come from the environment)")
    .option('--use-proxy', 'reach the store through a proxy')
    .option('--proxy-host <host>', 'proxy host')
    .option('--proxy-port <port>', 'proxy port', integer('--proxy-port'))
    .option('--proxy-protocol <protocol>', 'HTTP or HTTPS')
    .option('--proxy-username <name>', 'proxy user')
    .option('--proxy-password <password>', 'proxy password (never printed)')
    .option('--retry-enabled', 'retry failed storage calls')
    .option('--retry-interval <seconds>', 'seconds between retries', integer('--retry-interval'))
    .option('--retry-strategy <strategy>', 'LINEAR or EXPONENTIAL')
    .option('--retry-max-attempts <n>', 'attempts before giving up', integer('--retry-max-attempts'))
    .addOption(
      new Option('--output <mode>', 'text (progress bars) or json (one line a change on stderr, the result on stdout)')
        .choices(['text', 'json'])
        .default('text'),
    );
}

/** Where the local node is (not request fields: the settings an agent would be started with). */
function nodeOptions(command: Command, jmxRequired: string): Command {
  return command
    .option('--jmx-service <host:port>', `the node's JMX endpoint (host:port or service:jmx: URL); ${jmxRequired}`)
    .option('--jmx-user <name>', 'JMX user')
    .option('--jmx-password-file <file>', 'file holding the JMX password (preferred over --jmx-password)')
    .option('--jmx-password <password>', 'JMX password (never printed; prefer --jmx-password-file)')
    .option('--data-dir <dir>', "a data directory of the node (repeatable; default: cassandra.yaml's data_file_directories)", collect)
    .option('--config-directory <dir>', "(also --cd) cassandra.yaml's directory", '/etc/cassandra')
    .option('--cassandra-dir <dir>', "CASSANDRA_HOME, for the directories cassandra.yaml leaves at Cassandra's defaults")
    .option(
      '--encryption-key-file <file>',
      "the agents' client-side encryption key (or DAEDALUS_ENCRYPTION_KEY): backups are sealed with it, restoring a sealed one needs it",
    );
}

/** Esop's two-letter spellings (`--sl`, `--st`, …): commander takes one long flag an option, so each is a hidden one. */
const ESOP_ALIASES: ReadonlyArray<[alias: string, long: string]> = [
  ['--sl', '--storage-location'],
  ['--st', '--snapshot-tag'],
  ['--cc', '--concurrent-connections'],
  ['--cd', '--config-directory'],
  ['--md', '--metadata-directive'],
];

function withAliases(command: Command): Command {
  const pairs: Array<[string, string]> = [];
  for (const [alias, long] of ESOP_ALIASES) {
    const target = command.options.find((o) => o.long === long);
    if (!target) continue;
    const hidden = new Option(`${alias} <value>`, `alias of ${long}`).hideHelp();
    if (target.parseArg) hidden.argParser(target.parseArg);
    command.addOption(hidden);
    pairs.push([hidden.attributeName(), target.attributeName()]);
  }
  return command.hook('preAction', (cmd) => {
    for (const [alias, name] of pairs) {
      const value: unknown = cmd.getOptionValue(alias);
      if (value === undefined) continue;
      if (cmd.getOptionValueSource(name) === 'cli')
        cmd.error(`give ${name} once (it was given with its alias too)`, { exitCode: EXIT_USAGE });
      cmd.setOptionValueWithSource(name, value, 'cli');
    }
  });
}

/** The flags a command must have, checked after the aliases are folded in (so `--sl` satisfies --storage-location). */
function requireFlags(options: EsopOptions, flags: string[]): void {
  const missing = flags.filter(
    (flag) => options[flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] === undefined,
  );
  if (missing.length > 0) throw new EsopFlagError(`required: ${missing.join(', ')}`);
}

function withAction(
  command: Command,
  name: EsopCommandName,
  required: string[],
  work: (options: EsopOptions) => Promise<LocalResult>,
): Command {
  withAliases(command);
  return command.action(async (options: EsopOptions) => {
    const output: OutputMode = options.output === 'json' ? 'json' : 'text';
    try {
      requireFlags(options, required);
      const result = await work(options);
      if (output === 'json') process.stdout.write(`${JSON.stringify({ command: name, ok: true, result: result.json })}\n`);
      else process.stdout.write(`${result.text}\n`);
    } catch (error) {
      const usage = error instanceof EsopFlagError;
      if (output === 'json') process.stdout.write(`${JSON.stringify({ command: name, ok: false, error: errorMessage(error) })}\n`);
      process.stderr.write(`daedalus esop ${name}: ${usage ? '' : 'failed: '}${errorMessage(error)}\n`);
      process.exitCode = usage ? EXIT_USAGE : EXIT_FAILED;
    }
  });
}

function backupCommand(): Command {
  const command = new Command('backup').description(
    "snapshot this node over JMX and upload what the store lacks, manifest last (the agent's backup, run here without NATS)",
  );
  storageOptions(command);
  nodeOptions(command, 'required: a backup snapshots the running node');
  command
    .option('-s, --snapshot-tag <tag>', '(also --st) name of the snapshot and of the backup (default autosnap-<millis>)')
    .option('--entities <list>', "keyspaces 'ks1,ks2' or tables 'ks1.t1,ks2.t2' (default: every non-system keyspace)")
    .option('-d, --duration <duration>', 'pace the upload to end within this (PT2H, "2 hours")')
    .option('-b, --bandwidth <rate>', 'maximum upload rate, e.g. 10MBPS (BPS, KBPS, MBPS, GBPS)')
    .option('--timeout <hours>', 'abort the upload after this many hours', integer('--timeout'))
    .option('--metadata-directive <directive>', '(also --md) COPY or REPLACE (S3)')
    .option('--create-missing-bucket', 'create the bucket when it does not exist')
    .option('--skip-refreshing', 'do not refresh the modification time of reused objects (always so here)')
    .option('--keep-snapshot', 'leave the snapshot on the node after the upload')
    .option('--compression <format>', 'zstd: store the SSTable components that pay compressed (default none)')
    .option('--compression-level <n>', 'zstd level 1-9 (default 3), with --compression zstd', integer('--compression-level'));
  return withAction(command, 'backup', ['--storage-location'], (options) => backupLocally(options));
}

function restoreCommand(): Command {
  const command = new Command('restore').description(
    'restore this node from a backup: IN_PLACE with Cassandra stopped (no JMX needed), or IMPORT/HARDLINKS phases INIT → DOWNLOAD → TRUNCATE → IMPORT → CLEANUP with it running',
  );
  storageOptions(command);
  nodeOptions(command, 'required for IMPORT and HARDLINKS; with IN_PLACE only checks that Cassandra is stopped');
  command
    .option('-s, --snapshot-tag <tag>', '(also --st) backup name, or the tag of the newest complete backup to restore')
    .option('--restoration-strategy-type <type>', 'IN_PLACE, IMPORT or HARDLINKS')
    .option('--restoration-phase-type <phase>', 'run one phase (INIT or DOWNLOAD: from there to the end)')
    .option('--entities <list>', "keyspaces 'ks1,ks2' or tables 'ks1.t1,ks2.t2'")
    .option('--rename <old=new>', 'ks.table=ks.other_table: restore a table under another name (repeatable)', collect)
    .option('--import-source-dir <dir>', 'staging directory of the download (IMPORT phase alone: what DOWNLOAD staged)')
    .option('--staging-dir <dir>', 'where downloads are staged (default: daedalus-restore beside the first data directory)')
    .option('--update-cassandra-yaml', "IN_PLACE: pin the backup's tokens in cassandra.yaml, auto_bootstrap off")
    .option('--restore-system-keyspace', 'refused: system keyspaces are not restored')
    .option('--restore-system-auth', 'restore system_auth too')
    .option('--restore-into-new-cluster', 'refused: use --resolve-host-id-from-topology')
    .option('--restoration-no-delete-truncates', "keep Cassandra's truncate snapshots")
    .option('--restoration-no-delete-downloads', 'keep the staged downloads')
    .option('--restoration-no-download-data', 'refused: a restore always downloads what it restores')
    .option('--schema-version <uuid>', 'schema version the backup must have (with --exact-schema-version)')
    .option('--exact-schema-version', 'refuse a backup of another schema version')
    .option('--resolve-host-id-from-topology', 'find this node in the backup by its tokens (with JMX) or by --address (without)')
    .option('--host-id <uuid>', 'without JMX: the node of the backup this node is')
    .option('--address <address>', "without JMX, with --resolve-host-id-from-topology: this node's address as the backup recorded it")
    .option('--dc <dc>', 'without JMX: the datacenter this node is in (checked against the backup)')
    .option('--cluster-name <name>', 'the cluster, when --storage-location names none')
    .option('--table-id <ks.table=id>', "without JMX: a table's live id on this node (repeatable; default: the backed-up id)", collect)
    .option('--timeout <hours>', 'abort the restore after this many hours', integer('--timeout'))
    .option('-b, --bandwidth <rate>', 'maximum download rate, e.g. 10MBPS');
  return withAction(command, 'restore', ['--storage-location', '--snapshot-tag', '--restoration-strategy-type'], (options) =>
    restoreLocally(options),
  );
}

function listCommand(): Command {
  const command = new Command('list').description('list the backups under a storage location');
  storageOptions(command);
  command
    .option('--from-timestamp <millis>', 'only backups taken at or after this time', integer('--from-timestamp'))
    .option('--last-n <n>', 'only the newest n backups', integer('--last-n'))
    .option('--resolve-nodes', 'refused: nodes are named by host ID and dc')
    .option('--human-units', 'refused: sizes are in bytes')
    .option('--to-file <file>', 'refused: the listing goes to stdout')
    .option('--cache-dir <dir>', 'refused: the listing keeps no cache')
    .option('--skip-download', 'refused: the listing reads the store');
  return withAction(command, 'list', ['--storage-location'], (options) => listLocally(options));
}

/** Esop's commit-log commands, run by the agent's commit-log executors on this node. */
function commitLogCommand(name: 'commitlog-backup' | 'commitlog-restore'): Command {
  const command = new Command(name).description(
    name === 'commitlog-backup'
      ? "upload the node's archived commit-log segments (each once, indexed by time)"
      : 'with Cassandra stopped: download the segments up to --timestamp-end and point commitlog_archiving.properties at them, so Cassandra replays them at start',
  );
  storageOptions(command);
  nodeOptions(
    command,
    name === 'commitlog-backup'
      ? "optional: the node says who it is (else Esop's node path or --cluster-name/--dc/--host-id)"
      : 'optional: a node that answers is refused (Cassandra must be stopped)',
  );
  command
    .option('--commit-log-dir <dir>', "the node's commit log directory")
    .option('--host-id <uuid>', 'without JMX: this node (or a --storage-location ending in /<cluster>/<dc>/<host ID>)')
    .option('--dc <dc>', "without JMX: this node's datacenter")
    .option('--cluster-name <name>', "without JMX: this node's cluster")
    .option('--timeout <hours>', 'abort after this many hours', integer('--timeout'));
  if (name === 'commitlog-backup') {
    command
      .option('-d, --duration <duration>', 'pace the upload to end within this')
      .option('-b, --bandwidth <rate>', 'maximum upload rate, e.g. 10MBPS')
      .option('--commit-log <file>', 'one commit log to upload')
      .option('--commitlog-archive-override <dir>', "archive directory instead of archive_command's")
      .option('--online', 'also the closed segments still in the commit log directory (the node is running)');
  } else {
    command
      .option(
        '--commitlog-download-dir <dir>',
        'where to download the commit logs (default: daedalus-restore beside the first data directory)',
      )
      .option('--timestamp-start <millis>', 'replay the writes from', integer('--timestamp-start'))
      .option('--timestamp-end <millis>', 'replay the writes up to (a whole second)', integer('--timestamp-end'))
      .option('--keyspace-tables <list>', 'refused: the replay has no table filter');
  }
  return withAction(command, name, ['--storage-location'], (options) => commitLogLocally(name, options));
}

/** `daedalus esop …`: Esop's command line, run in-process by the agent's own executors against this node. */
export function esopCommand(): Command {
  return new Command('esop')
    .description("Esop-style local mode: backup, restore and list on this node with the agent's own code, without NATS or coordinators")
    .addCommand(backupCommand())
    .addCommand(restoreCommand())
    .addCommand(listCommand())
    .addCommand(commitLogCommand('commitlog-backup'))
    .addCommand(commitLogCommand('commitlog-restore'));
}
