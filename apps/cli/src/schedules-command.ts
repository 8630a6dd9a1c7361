import { CONCURRENCY_POLICIES, OPERATION_REQUEST_TYPES, OperationType } from '@daedalus/contracts';
import { CliEnvironment, contextOf, setFlagNamer } from './cli-context';
import { Command, Option } from './commander';
import { UsageError } from './exit-codes';
import { print, scheduleText, schedulesText } from './output';
import { fieldEntries, flagOfField } from './request-flags';
import { addRequestOptions, collect, RequestOptions } from './request-options';
import {
  changedScheduleDefinition,
  flagOfScheduleField,
  newScheduleDefinition,
  RequestSource,
  requestFromSource,
  ScheduleFlags,
  withFieldChanges,
} from './schedule-definition';

type CreateOptions = ScheduleFlags & RequestSource;

const SCHEDULE_HELP = "5-field cron ('0 2 * * *'), @yearly @monthly @weekly @daily @midnight @hourly, or @every <duration> (@every 6h)";

/** The timing and policy flags create and update share (create: `--schedule` required, `--id`, bare `--suspended`). */
function addTimingOptions(command: Command, forUpdate: boolean): Command {
  command
    .option('--schedule <spec>', `when it fires: ${SCHEDULE_HELP}`)
    .option('--time-zone <zone>', 'IANA time zone the cron is read in, e.g. Europe/Berlin (default UTC)')
    .option('--window-start <start>', 'maintenance window start: daily HH:MM or a 5-field cron (with --window-duration)')
    .option('--window-duration <duration>', 'maintenance window length, Go-style: 4h, 90m (with --window-start)')
    .addOption(
      new Option('--concurrency-policy <policy>', 'a run due while the previous one goes on (default skip)').choices(CONCURRENCY_POLICIES),
    )
    .option('--catch-up <duration>', 'how late a missed run may still start without a window, Go-style (default 10m)');
  if (forUpdate) {
    command
      .option('--no-window', 'drop the maintenance window')
      .option('--suspended', 'suspend it (fires nothing)')
      .option('--no-suspended', 'resume it');
  } else {
    command.option('--suspended', 'create it suspended (fires nothing until resumed)');
  }
  return command
    .option('--request-file <file>', 'the operation request as JSON (as POST /operations takes it, without id)')
    .option('--request <json>', 'the operation request as JSON inline');
}

/** Where a request field the gateway named came from, when the request came from --request-file or --request. */
const sourceFlag = (source: RequestSource) => (source.requestFile !== undefined ? '--request-file' : '--request');

/** `schedules create`: a typed subcommand per operation type (the submit commands' flags), or --request-file. */
function createCommand(environment: CliEnvironment): Command {
  const create = new Command('create').description(
    'define a schedule: `schedules create <type> --schedule … <the type’s flags>` (as `daedalus <type>` takes them), ' +
      'or `schedules create --schedule … --request-file request.json`',
  );
  // an operand that names no type's subcommand lands here (commander would only say "too many arguments")
  create.argument('[type]', 'the operation type (a subcommand: backup, flush, …)');
  create.option('--id <id>', 'the schedule id: a-z, 0-9, "-", "_" (made up when left out)');
  addTimingOptions(create, false);
  create.action(async (type: string | undefined, options: CreateOptions, self: Command) => {
    if (type !== undefined) {
      throw new UsageError(`${type.slice(0, 64)} is not an operation type (${Object.keys(OPERATION_REQUEST_TYPES).join(', ')})`);
    }
    const request = requestFromSource(options, environment.readFile);
    if (!request) {
      throw new UsageError('give the operation: `schedules create <type> …` (e.g. backup) or --request-file / --request');
    }
    setFlagNamer(self, (field) => flagOfScheduleField(field, () => sourceFlag(options), '--id'));
    const { client, output } = contextOf(self, environment);
    const view = await client.createSchedule(newScheduleDefinition(options, request));
    print(output, view, () => `created ${scheduleText(view)}`);
  });
  for (const type of Object.keys(OPERATION_REQUEST_TYPES) as OperationType[]) {
    const typed = new Command(type)
      .description(`schedule a ${type}: the flags of \`daedalus ${type}\`, with the schedule's flags`)
      .configureHelp({ showGlobalOptions: true });
    // --id is the schedule's (a run's operation id is made from it and the fire time)
    const { specs, bodyOf } = addRequestOptions(typed, type, new Set(['id']));
    setFlagNamer(typed, (field) =>
      flagOfScheduleField(
        field,
        (requestField) => (requestField === '' || requestField === 'type' ? 'the command' : flagOfField(requestField, specs)),
        '--id',
      ),
    );
    typed.action(async (options: RequestOptions, self: Command) => {
      const scheduleOptions = create.opts<CreateOptions>();
      if (scheduleOptions.requestFile !== undefined || scheduleOptions.request !== undefined) {
        throw new UsageError(`the request is the ${type} command's flags: leave out --request-file and --request`);
      }
      const { client, output } = contextOf(self, environment);
      const view = await client.createSchedule(newScheduleDefinition(scheduleOptions, bodyOf(options)));
      print(output, view, () => `created ${scheduleText(view)}`);
    });
    create.addCommand(typed);
  }
  return create;
}

type UpdateOptions = ScheduleFlags & RequestSource;

/** Which flags of an update change something (an update changing nothing would still restart the schedule). */
function changesOf(options: UpdateOptions): string[] {
  const given: Array<[unknown, string]> = [
    [options.schedule, '--schedule'],
    [options.timeZone, '--time-zone'],
    [options.windowStart, '--window-start'],
    [options.windowDuration, '--window-duration'],
    [options.window === false ? false : undefined, '--no-window'],
    [options.suspended, '--suspended'],
    [options.concurrencyPolicy, '--concurrency-policy'],
    [options.catchUp, '--catch-up'],
    [options.requestFile, '--request-file'],
    [options.request, '--request'],
    [options.field, '--field'],
  ];
  return given.filter(([value]) => value !== undefined).map(([, flag]) => flag);
}

function updateCommand(environment: CliEnvironment): Command {
  const update = new Command('update')
    .description(
      'change a schedule (PUT): what the flags give replaces that part, the rest is kept; ' +
        'the schedule starts again from now (runs queued or waiting for a window are dropped)',
    )
    .argument('<id>', 'schedule id');
  addTimingOptions(update, true);
  update.option(
    '--field <key=value>',
    'change one field of the current request (dotted: bandwidth.value=10; JSON values; null removes it)',
    collect,
  );
  update.action(async (id: string, options: UpdateOptions, self: Command) => {
    if (changesOf(options).length === 0) {
      throw new UsageError(
        'nothing to change: give --schedule, --time-zone, --window-start, --window-duration, --no-window, ' +
          '--suspended, --no-suspended, --concurrency-policy, --catch-up, --request-file, --request or --field',
      );
    }
    const changedFields = new Set(Object.keys(fieldEntries(options.field ?? [])));
    setFlagNamer(self, (field) =>
      flagOfScheduleField(
        field,
        (requestField) => {
          const top = requestField.split(/[.[]/)[0];
          if (changedFields.has(top)) return `--field ${top}=…`;
          return options.requestFile !== undefined || options.request !== undefined ? sourceFlag(options) : undefined;
        },
        '<id>',
      ),
    );
    const { client, output } = contextOf(self, environment);
    const current = await client.schedule(id);
    const request = withFieldChanges(requestFromSource(options, environment.readFile) ?? current.request, options.field ?? []);
    const view = await client.replaceSchedule(id, changedScheduleDefinition(current, options, request));
    print(output, view, () => `changed ${scheduleText(view)}`);
  });
  return update;
}

/** `suspend` / `resume`: the current definition with `suspended` set; one already so is left alone (a PUT restarts it). */
function suspensionCommand(environment: CliEnvironment, suspended: boolean): Command {
  const name = suspended ? 'suspend' : 'resume';
  const command = new Command(name)
    .description(
      suspended
        ? 'suspend a schedule: it fires nothing until resumed (runs already submitted go on)'
        : 'resume a suspended schedule: it fires from now on (fire times while suspended are not caught up)',
    )
    .argument('<id>', 'schedule id');
  setFlagNamer(command, (field) => (field === 'id' ? '<id>' : undefined));
  command.action(async (id: string, _options: unknown, self: Command) => {
    const { client, output } = contextOf(self, environment);
    const current = await client.schedule(id);
    if (current.suspended === suspended) {
      if (output === 'text') process.stderr.write(`schedule ${id} is ${suspended ? 'suspended' : 'active'} already: nothing changed\n`);
      print(output, current, () => scheduleText(current));
      return;
    }
    const view = await client.replaceSchedule(id, changedScheduleDefinition(current, { suspended }));
    print(output, view, () => `${suspended ? 'suspended' : 'resumed'} ${scheduleText(view)}`);
  });
  return command;
}

/**
 * `daedalus schedules …`: list, get, create, update, suspend, resume, delete — the gateway's `/schedules` API
 * (docs/design.md "Schedules"); its 400s name the definition's fields, told back with the flag that set each.
 */
export function schedulesCommand(environment: CliEnvironment): Command {
  const schedules = new Command('schedules').description('schedules: operation requests submitted at fire times (cron, @every)');
  schedules
    .command('list')
    .description('list the schedules with their next run and their newest run')
    .action(async (_options: unknown, self: Command) => {
      const { client, output } = contextOf(self, environment);
      const views = await client.schedules();
      print(output, views, () => schedulesText(views));
    });
  const get = schedules
    .command('get')
    .description('show a schedule: its definition, the next fire times, the last runs with their operation ids and states')
    .argument('<id>', 'schedule id')
    .action(async (id: string, _options: unknown, self: Command) => {
      const { client, output } = contextOf(self, environment);
      const view = await client.schedule(id);
      print(output, view, () => scheduleText(view));
    });
  setFlagNamer(get, (field) => (field === 'id' ? '<id>' : undefined));
  schedules.addCommand(createCommand(environment));
  schedules.addCommand(updateCommand(environment));
  schedules.addCommand(suspensionCommand(environment, true));
  schedules.addCommand(suspensionCommand(environment, false));
  const remove = schedules
    .command('delete')
    .description('delete a schedule: no further runs (runs already submitted go on; cancel them with `ops cancel`)')
    .argument('<id>', 'schedule id')
    .action(async (id: string, _options: unknown, self: Command) => {
      const { client, output } = contextOf(self, environment);
      await client.deleteSchedule(id);
      print(output, { id, deleted: true }, () => `deleted schedule ${id}`);
    });
  setFlagNamer(remove, (field) => (field === 'id' ? '<id>' : undefined));
  return schedules;
}
