import { ALL_CHANNELS, subjectMatches, Subjects } from '@daedalus/contracts';
import { buildAsyncApiDocument } from './asyncapi';

interface MessageDoc {
  name: string;
  payload?: { type?: string; required?: string[]; properties?: Record<string, unknown> };
}
interface ChannelDoc {
  publish?: { message: MessageDoc };
  subscribe?: { message: MessageDoc };
}

const doc = buildAsyncApiDocument('test') as { channels: Record<string, ChannelDoc> };
/** a channel address with every {parameter} filled in, and as the pattern of its subjects */
const concrete = (address: string) => address.replace(/\{[^}]+\}/g, 'x1');
const pattern = (address: string) => address.replace(/\{[^}]+\}/g, '*');
/** a subject (or subject pattern) of the naming module is on the channel at `address` */
const on = (subject: string, address: string) => subjectMatches(subject, concrete(address)) || subjectMatches(pattern(address), subject);
const messagesOf = (channel: ChannelDoc) => [channel.publish?.message, channel.subscribe?.message].filter((m) => m !== undefined);

/** The channels the document holds for a subject (or subject pattern) of the naming module. */
function channelsFor(subject: string): string[] {
  return Object.keys(doc.channels).filter((address) => on(subject, address));
}

describe('AsyncAPI document', () => {
  const subjects = Object.entries(Subjects).map(([key, value]): [string, string] => [
    key,
    typeof value === 'function'
      ? (value as (...tokens: string[]) => string)(...Array.from({ length: value.length }, (_, i) => `t${i}`))
      : value,
  ]);

  it.each(subjects)('documents Subjects.%s (%s) with a payload schema for every message', (_key, subject) => {
    const addresses = channelsFor(subject);
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) {
      const messages = messagesOf(doc.channels[address]);
      expect(messages.length).toBeGreaterThan(0);
      for (const message of messages) expect(message.payload).toEqual(expect.any(Object));
    }
  });

  it('has one channel per catalogue entry, and the catalogue covers every subject', () => {
    expect(Object.keys(doc.channels)).toEqual(ALL_CHANNELS.map((c) => c.address));
    for (const [, subject] of subjects) expect(ALL_CHANNELS.some((c) => on(subject, c.address))).toBe(true);
  });

  it('describes ResumeOperation on daedalus.requests.resume from its DTO', () => {
    const message = doc.channels[Subjects.resume].publish?.message;
    expect(message?.name).toBe('ResumeOperation');
    expect(message?.payload).toMatchObject({
      type: 'object',
      required: ['schemaVersion', 'operationId'],
      properties: {
        schemaVersion: { type: 'string', example: '1.0' },
        operationId: { type: 'string', format: 'uuid' },
        resumeCount: { type: 'integer', minimum: 0 },
      },
    });
  });

  it('describes nested DTOs and request/reply pairs', () => {
    const query = doc.channels['daedalus.nodes.{hostId}.query'];
    expect(query.publish?.message.payload?.properties?.query).toEqual({
      enum: ['status', 'versions', 'topology', 'schema', 'coverage', 'config'],
    });
    expect(query.subscribe?.message.payload?.properties?.topology).toMatchObject({
      type: 'object',
      properties: { nodes: { type: 'array', items: { properties: { live: { type: 'boolean' } } } } },
    });
    expect(doc.channels[Subjects.listBackups].subscribe?.message.name).toBe('ListBackupsReply');
  });

  it('names every message of the catalogue in docs/design.md', () => {
    const names = Object.values(doc.channels).flatMap((channel) => messagesOf(channel).map((m) => m.name));
    expect(names.sort()).toEqual(
      [
        'AlertNotification',
        'CancelOperation',
        'DeadLetter',
        'ListBackups',
        'ListBackupsReply',
        'ManageSchedule',
        'ManageScheduleReply',
        'NodeCommand',
        'NodeEvent',
        'NodeQuery',
        'NodeQueryReply',
        'OperationRecord',
        'ResumeOperation',
        'SubmitOperation',
      ].sort(),
    );
  });
});
