import { IMPLEMENTED_OPERATION_TYPES, OPERATION_REQUEST_TYPES, OperationType } from '@daedalus/contracts';
import { CliEnvironment, contextOf, listOf, processEnvironment, setFlagNamer, wholeNumber } from './cli-context';
import { Command, Option } from './commander';
import { EXIT_OK, EXIT_OPERATION_FAILED } from './exit-codes';
import { followOperation } from './follow';
import { OperationView } from './gateway-client';
import { backupsText, operationsText, operationText, OUTPUT_FORMATS, print } from './output';
import { flagOfField, requestBody } from './request-flags';
import { addRequestOptions, collect } from './request-options';
import { schedulesCommand } from './schedules-command';

const WATCH_TIMEOUT_S = 7 * 24 * 3600;
const FINAL_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** Follows the operation to its end, prints it, and sets the exit status: 0 only when it COMPLETED. */
async function watchToEnd(command: Command, environment: CliEnvironment, id: string, timeoutS: number): Promise<void> {
  const { client, output, display } = contextOf(command, environment);
  let final: OperationView;
  try {
    final = await followOperation(client, id, display, timeoutS * 1000);
  } finally {
    display.stop();
  }
  print(output, final, () => operationText(final));
  if (final.state !== 'COMPLETED') {
    const why = final.errors.map((e) => `${e.source}: ${e.message}`).join('; ');
    process.stderr.write(`daedalus: operation ${final.id} ended ${final.state}${why ? `: ${why}` : ''}\n`);
    process.exitCode = EXIT_OPERATION_FAILED;
  } else {
    process.exitCode = EXIT_OK;
  }
}

function addWatchOptions(command: Command): Command {
  return command
    .option('--watch', 'follow the operation with a progress bar per node and phase; the exit status is 0 only if it COMPLETED')
    .addOption(
      new Option('--watch-timeout <seconds>', 'give up watching after this long (the operation goes on)')
        .argParser(wholeNumber('--watch-timeout', 1))
        .default(WATCH_TIMEOUT_S),
    );
}

interface SubmitOptions {
  watch?: boolean;
  watchTimeout: number;
  field?: string[];
  global?: boolean;
  tag?: string;
  [flag: string]: unknown;
}

/** Submits `body`; with --watch follows it to its end. The gateway's 400 names the field (mapped to its flag). */
async function submit(command: Command, environment: CliEnvironment, body: Record<string, unknown>, options: SubmitOptions): Promise<void> {
  const { client, output } = contextOf(command, environment);
  const created = await client.submit(body);
  if (!options.watch) {
    // without --watch the exit status says the gateway accepted it; the operation goes on
    print(
      output,
      created,
      () => `submitted ${created.type} ${created.id} (${created.state}); follow it with: daedalus watch ${created.id}`,
    );
    return;
  }
  if (output === 'text') process.stderr.write(`submitted ${created.type} ${created.id}\n`);
  await watchToEnd(command, environment, created.id, options.watchTimeout);
}

/** `daedalus <type> …`: one flag per field of the type's request DTO, plus --global, --tag and --field. */
function operationCommand(type: OperationType, environment: CliEnvironment): Command {
  const implemented = IMPLEMENTED_OPERATION_TYPES.has(type);
  const command = new Command(type).description(
    `submit a ${type} operation${implemented ? '' : ' (not run by this version yet: the gateway answers 400 "not supported yet")'}`,
  );
  const { specs, bodyOf } = addRequestOptions(command, type);
  addWatchOptions(command);
  setFlagNamer(command, (field) => (field === 'type' ? 'the command' : flagOfField(field, specs)));
  command.action(async (options: SubmitOptions, self: Command) => {
    await submit(self, environment, bodyOf(options), options);
  });
  return command;
}

function submitCommand(environment: CliEnvironment): Command {
  const command = new Command('submit')
    .description('submit an operation of any type from --field entries (the gateway checks them: its 400 names the field)')
    .argument('<type>', 'operation type (backup, restore, flush, …)')
    .option('--global', 'on every node of the cluster (globalRequest)')
    .option('--tag <tag>', 'the snapshot tag (snapshotTag)')
    .option('--field <key=value>', 'a request field (dotted for nested: bandwidth.value=10; JSON values: 10, true, "007")', collect);
  addWatchOptions(command);
  setFlagNamer(command, (field) => (field === 'type' ? '<type>' : flagOfField(field, [])));
  command.action(async (type: string, options: SubmitOptions, self: Command) => {
    await submit(self, environment, requestBody(type, [], { global: options.global, tag: options.tag }, options.field ?? []), options);
  });
  return command;
}

function watchCommand(environment: CliEnvironment): Command {
  const command = new Command('watch')
    .description('follow an operation to its end with a progress bar per node and phase; exit status 0 only if it COMPLETED')
    .argument('<id>', 'operation id');
  command.addOption(
    new Option('--watch-timeout <seconds>', 'give up watching after this long')
      .argParser(wholeNumber('--watch-timeout', 1))
      .default(WATCH_TIMEOUT_S),
  );
  command.action(async (id: string, options: { watchTimeout: number }, self: Command) => {
    await watchToEnd(self, environment, id, options.watchTimeout);
  });
  return command;
}

/** The flag of each query parameter a read command sets, for naming it in the gateway's 400. */
const namerOf =
  (flags: Record<string, string>) =>
  (field: string): string | undefined =>
    flags[field];

function opsCommand(environment: CliEnvironment): Command {
  const ops = new Command('ops').description('operations: list, get, cancel');
  const list = ops
    .command('list')
    .description('list operations, newest first')
    .option('--type <type>', 'only of this type (repeat or comma-separate for several)', collect)
    .option('--state <state>', 'only in this state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED (repeatable)', collect)
    .action(async (options: { type?: string[]; state?: string[] }, self: Command) => {
      const { client, output } = contextOf(self, environment);
      const views = await client.operations({ types: listOf(options.type), states: listOf(options.state) });
      print(output, views, () => operationsText(views));
    });
  setFlagNamer(list, namerOf({ type: '--type', state: '--state' }));
  ops
    .command('get')
    .description('show one operation')
    .argument('<id>', 'operation id')
    .action(async (id: string, _options: unknown, self: Command) => {
      const { client, output } = contextOf(self, environment);
      const view = await client.operation(id);
      print(output, view, () => operationText(view));
    });
  const cancel = ops
    .command('cancel')
    .description('ask an operation to cancel (every node stops at a safe point)')
    .argument('<id>', 'operation id');
  addWatchOptions(cancel);
  cancel.action(async (id: string, options: { watch?: boolean; watchTimeout: number }, self: Command) => {
    const { client, output } = contextOf(self, environment);
    const view = await client.cancel(id);
    // the gateway answers a final operation with the record and requests nothing: say so rather than "requested"
    const over = FINAL_STATES.has(view.state);
    if (over && output === 'text') process.stderr.write(`operation ${id} is ${view.state} already: nothing to cancel\n`);
    if (options.watch) return watchToEnd(self, environment, id, options.watchTimeout);
    print(output, view, () => (over ? operationText(view) : `cancel requested: ${operationText(view)}`));
  });
  return ops;
}

function backupsCommand(environment: CliEnvironment): Command {
  const backups = new Command('backups').description('backups in a storage location');
  const list = backups
    .command('list')
    .description('list the backups under a storage location (answered by any node agent)')
    .requiredOption('--storage-location <location>', 's3://bucket, gcp://…, azure://…, file:///dir/bucket')
    .addOption(new Option('--last-n <n>', 'only the newest n').argParser(wholeNumber('--last-n', 1)))
    .addOption(
      new Option('--from-timestamp <ms>', 'only those taken at or after (epoch milliseconds)').argParser(wholeNumber('--from-timestamp')),
    )
    .action(async (options: { storageLocation: string; lastN?: number; fromTimestamp?: number }, self: Command) => {
      const { client, output } = contextOf(self, environment);
      const found = await client.backups(options);
      print(output, found, () => backupsText(found));
    });
  setFlagNamer(list, namerOf({ storageLocation: '--storage-location', lastN: '--last-n', fromTimestamp: '--from-timestamp' }));
  return backups;
}

/**
 * `daedalus`, cluster mode: every operation type as a command with its request's flags, `submit`, `watch`,
 * `ops`, `backups`, `schedules`. Where the gateway is and the token:
 * --gateway/--token, then DAEDALUS_GATEWAY/DAEDALUS_TOKEN, then the config file (see settings.ts).
 */
export function clusterProgram(environment: CliEnvironment = processEnvironment()): Command {
  const program = new Command('daedalus')
    .description('Daedalus: backup, restore and node operations for Cassandra, against a gateway (cluster mode)')
    .option('--gateway <url>', 'the gateway, e.g. https://gateway:4567 (else DAEDALUS_GATEWAY, the config file, http://127.0.0.1:4567)')
    .option('--token <token>', 'API token or JWT (else DAEDALUS_TOKEN, the config file); never printed')
    .option('--config <file>', 'config file: JSON {"gateway", "token"} (else DAEDALUS_CONFIG, ~/.config/daedalus/config.json)')
    .addOption(new Option('--output <format>', 'text for people, json for scripts').choices(OUTPUT_FORMATS).default('text'))
    .addOption(
      new Option('--http-timeout-ms <ms>', 'bound of each request to the gateway')
        .argParser(wholeNumber('--http-timeout-ms', 1))
        .default(30_000),
    );
  for (const type of Object.keys(OPERATION_REQUEST_TYPES) as OperationType[]) program.addCommand(operationCommand(type, environment));
  program.addCommand(submitCommand(environment));
  program.addCommand(watchCommand(environment));
  program.addCommand(opsCommand(environment));
  program.addCommand(backupsCommand(environment));
  program.addCommand(schedulesCommand(environment));
  return program;
}
