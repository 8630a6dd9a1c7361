import { DtoClass, SchemaFragment } from './message-dto';
import {
  CancelOperationMessage,
  ListBackupsReplyMessage,
  ListBackupsRequest,
  NodeCommandMessage,
  NodeEventMessage,
  NodeQueryMessage,
  NodeQueryReply,
  ResumeOperationMessage,
  AlertNotificationMessage,
  SubmitOperationMessage,
} from './messages';
import { Headers, QueueGroups, Streams, Subjects } from './naming';
import { SCHEMA_VERSION } from './schema-version';
import { ManageScheduleReply, ManageScheduleRequest } from './schedules/schedule-messages';

/**
 * Which subject carries which message: the one table the transport validates payloads against and the
 * AsyncAPI document is generated from. Subjects come from the naming module; a channel whose subject has
 * variable tokens (a host ID, an operation ID) is named with `{parameters}` (AsyncAPI) and matched with `*`.
 */

/** A NATS subject pattern (`*` one token, `>` the rest) matches a subject. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const want = pattern.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '>') return have.length > i;
    if (i >= have.length || (want[i] !== '*' && want[i] !== have[i])) return false;
  }
  return want.length === have.length;
}

export interface ChannelMessage<T> {
  /** the message's name in the catalogue (docs/design.md) and the AsyncAPI document */
  name: string;
  /** the DTO that validates it and gives its schema */
  payload?: DtoClass<T>;
  /** the schema when there is no DTO (a record announced as it is stored, a dead letter's original bytes) */
  schema?: SchemaFragment;
  /** `Nats-Msg-Id` as the publisher sets it (JetStream de-duplication) */
  messageId?: string;
  /** other headers it carries: name → what it holds */
  headers?: Record<string, string>;
}

interface ChannelBase {
  /** the AsyncAPI channel name: the subject, with `{name}` for each variable token */
  address: string;
  /** the NATS pattern every subject of this channel matches */
  pattern: string;
  /** variable tokens, in order, with what they are */
  parameters: Record<string, string>;
  description: string;
}

/** Persisted in a JetStream stream, consumed by a durable consumer and settled (ack, retry, dead-letter). */
export interface StreamChannel<T = unknown> extends ChannelBase {
  kind: 'stream';
  stream: string;
  /** `publish`: clients (and the gateway) send it to Daedalus; `subscribe`: Daedalus services send it */
  operation: 'publish' | 'subscribe';
  message: ChannelMessage<T> & { payload: DtoClass<T> };
}

/** Core NATS, best effort, not persisted. */
export interface AnnouncementChannel extends ChannelBase {
  kind: 'announcement';
  operation: 'subscribe';
  message: ChannelMessage<unknown>;
}

/** Core NATS request/reply: a request DTO in, a reply DTO out. */
export interface RequestChannel<Req = unknown, Res = unknown> extends ChannelBase {
  kind: 'request';
  /** queue group of the answering services: any one member answers */
  queue?: string;
  request: ChannelMessage<Req> & { payload: DtoClass<Req> };
  reply: ChannelMessage<Res> & { payload: DtoClass<Res> };
  /**
   * The reply to a request that could not be answered: `invalid` when the request was not a valid message
   * (it names why), else the answering service failed.
   */
  errorReply(error: string, invalid: boolean, subject: string): Res;
}

export type Channel = StreamChannel | AnnouncementChannel | RequestChannel;

/** The address and pattern of a subject built by `build` from `parameters` (placeholder tokens replaced). */
function subjectOf(build: (...tokens: string[]) => string, parameters: string[]): { address: string; pattern: string } {
  const placeholders = parameters.map((_, i) => `PARAMETER${i}PLACEHOLDER`);
  let address = build(...placeholders);
  let pattern = address;
  parameters.forEach((name, i) => {
    address = address.replace(placeholders[i], `{${name}}`);
    pattern = pattern.replace(placeholders[i], '*');
  });
  return { address, pattern };
}

const fixed = (subject: string) => ({ address: subject, pattern: subject, parameters: {} });
const HOST_ID = 'the Cassandra host ID of the node (StorageService.LocalHostId)';
const OPERATION_ID = 'the operation id (a UUID)';

const submit: StreamChannel<SubmitOperationMessage> = {
  kind: 'stream',
  ...fixed(Subjects.submit),
  stream: Streams.requests,
  operation: 'publish',
  description: `Operation requests (stream ${Streams.requests}, work queue); consumed by the coordinators.`,
  message: { name: 'SubmitOperation', payload: SubmitOperationMessage, messageId: 'submit.<operationId>' },
};

const cancel: StreamChannel<CancelOperationMessage> = {
  kind: 'stream',
  ...fixed(Subjects.cancel),
  stream: Streams.requests,
  operation: 'publish',
  description: `Cancel requests (stream ${Streams.requests}); consumed by the coordinators.`,
  message: { name: 'CancelOperation', payload: CancelOperationMessage, messageId: 'cancel.<operationId>' },
};

const resume: StreamChannel<ResumeOperationMessage> = {
  kind: 'stream',
  ...fixed(Subjects.resume),
  stream: Streams.requests,
  operation: 'publish',
  description: `Resume requests (stream ${Streams.requests}); consumed by the coordinators.`,
  message: { name: 'ResumeOperation', payload: ResumeOperationMessage, messageId: 'resume.<operationId>.<resumeCount>' },
};

const alert: StreamChannel<AlertNotificationMessage> = {
  kind: 'stream',
  ...fixed(Subjects.alert),
  stream: Streams.requests,
  operation: 'publish',
  description: `Alertmanager notifications of Daedalus's alerts, from the gateway (stream ${Streams.requests}); a coordinator delivers them to the webhooks of the alert event.`,
  message: { name: 'AlertNotification', payload: AlertNotificationMessage, messageId: 'alert.<de-duplication id>' },
};

const commands: StreamChannel<NodeCommandMessage> = {
  kind: 'stream',
  ...subjectOf(Subjects.commandsFor, ['hostId']),
  parameters: { hostId: HOST_ID },
  stream: Streams.commands,
  operation: 'subscribe',
  description: `Per-node commands from the coordinators (stream ${Streams.commands}); each agent consumes its own (durable agent-<hostId>).`,
  message: {
    name: 'NodeCommand',
    payload: NodeCommandMessage,
    messageId: 'command.<operationId>.<hostId>.<run|cancel>[.<phase>][.r<resumeCount>]',
  },
};

const events: StreamChannel<NodeEventMessage> = {
  kind: 'stream',
  ...subjectOf(Subjects.eventsFor, ['operationId', 'hostId']),
  parameters: { operationId: OPERATION_ID, hostId: HOST_ID },
  stream: Streams.events,
  operation: 'subscribe',
  description: `Node progress and results (stream ${Streams.events}); consumed by the coordinators.`,
  message: {
    name: 'NodeEvent',
    payload: NodeEventMessage,
    messageId: 'event.<operationId>.<hostId>.<kind>[.<phase>][.r<resumeCount>] for results; unique for progress',
  },
};

const operationUpdates: AnnouncementChannel = {
  kind: 'announcement',
  ...subjectOf(Subjects.operationUpdates, ['operationId']),
  parameters: { operationId: OPERATION_ID },
  operation: 'subscribe',
  description:
    'Core NATS, not persisted, best effort: the operation record after every change. The KV entry ' +
    'daedalus-operations/<operationId> is the truth (watch the key for every revision in order).',
  message: {
    name: 'OperationRecord',
    schema: { type: 'object', description: 'the operation record as stored in KV bucket daedalus-operations' },
  },
};

const nodeQuery: RequestChannel<NodeQueryMessage, NodeQueryReply> = {
  kind: 'request',
  ...subjectOf(Subjects.nodeQuery, ['hostId']),
  parameters: { hostId: HOST_ID },
  description:
    'Core NATS request/reply, not persisted: live questions to one node agent, answered from JMX at request time ' +
    '(the gateway uses it for /status, /version/* and /topology, and for `schema` when a request names a keyspace or ' +
    'table the registrations do not list yet).',
  request: { name: 'NodeQuery', payload: NodeQueryMessage },
  reply: { name: 'NodeQueryReply', payload: NodeQueryReply },
  errorReply: (error, _invalid, subject) => ({
    schemaVersion: SCHEMA_VERSION,
    // daedalus.nodes.<hostId>.query: the node asked is the node answering
    hostId: subject.split('.')[2] ?? '',
    ok: false,
    error,
  }),
};

const listBackups: RequestChannel<ListBackupsRequest, ListBackupsReplyMessage> = {
  kind: 'request',
  ...fixed(Subjects.listBackups),
  queue: QueueGroups.agents,
  description: `Core NATS request/reply, answered by any one node agent (queue group \`${QueueGroups.agents}\`): the backups under a storage location.`,
  request: { name: 'ListBackups', payload: ListBackupsRequest },
  reply: { name: 'ListBackupsReply', payload: ListBackupsReplyMessage },
  errorReply: (error, invalid) => ({ schemaVersion: SCHEMA_VERSION, ok: false, invalid, error }),
};

const manageSchedules: RequestChannel<ManageScheduleRequest, ManageScheduleReply> = {
  kind: 'request',
  ...fixed(Subjects.manageSchedules),
  queue: QueueGroups.coordinators,
  description:
    `Core NATS request/reply, answered by any one coordinator (queue group \`${QueueGroups.coordinators}\`): define, change, ` +
    'read or delete a schedule, with the answers and statuses /schedules gives over HTTP.',
  request: { name: 'ManageSchedule', payload: ManageScheduleRequest },
  reply: { name: 'ManageScheduleReply', payload: ManageScheduleReply },
  errorReply: (error, invalid) => ({ schemaVersion: SCHEMA_VERSION, ok: false, status: invalid ? 400 : 503, error }),
};

const deadLetters: AnnouncementChannel = {
  kind: 'announcement',
  ...subjectOf(Subjects.deadLetterFor, ['stream']),
  parameters: { stream: 'the stream the message came from' },
  operation: 'subscribe',
  description: `Dead letters (stream ${Streams.deadLetters}, kept for operators): messages no handler could process, with the reason.`,
  message: {
    name: 'DeadLetter',
    schema: { description: 'the original message bytes, unchanged' },
    messageId: 'dlq.<stream>.<sequence>',
    headers: {
      [Headers.deadLetterReason]: 'why no handler could process it',
      [Headers.deadLetterSubject]: 'the subject it was published on',
      [Headers.deadLetterDeliveries]: 'how often it was delivered',
    },
  },
};

/** Every channel of the protocol. */
export const Channels = {
  submit,
  cancel,
  resume,
  alert,
  commands,
  events,
  operationUpdates,
  nodeQuery,
  listBackups,
  manageSchedules,
  deadLetters,
} as const;

export const ALL_CHANNELS: readonly Channel[] = Object.values(Channels);

/** The channel a subject belongs to. */
export function channelOf(subject: string): Channel | undefined {
  return ALL_CHANNELS.find((channel) => subjectMatches(channel.pattern, subject));
}
