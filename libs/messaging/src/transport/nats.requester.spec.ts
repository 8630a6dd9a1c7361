import { NatsConnection } from '@nats-io/transport-node';
import { Channels, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { InvalidReplyError, NatsRequester } from './nats.requester';

function requesterAnswering(answer: unknown) {
  const request = jest.fn(async (_subject: string, _body: string, _options: { timeout: number }) => ({
    data: new TextEncoder().encode(typeof answer === 'string' ? answer : JSON.stringify(answer)),
  }));
  return { requester: new NatsRequester({ request } as unknown as NatsConnection), request };
}

describe('NatsRequester', () => {
  const query = { schemaVersion: SCHEMA_VERSION, query: 'status' as const };

  it('sends the request to the subject with the timeout and returns the validated reply', async () => {
    const reply = { schemaVersion: SCHEMA_VERSION, hostId: 'h1', ok: true, status: { operationMode: 'NORMAL' } };
    const { requester, request } = requesterAnswering(reply);
    await expect(requester.request(Channels.nodeQuery, query, { subject: Subjects.nodeQuery('h1'), timeoutMs: 250 })).resolves.toEqual(
      reply,
    );
    expect(request).toHaveBeenCalledWith('daedalus.nodes.h1.query', JSON.stringify(query), { timeout: 250 });
  });

  it("uses a fixed channel's own subject", async () => {
    const { requester, request } = requesterAnswering({ schemaVersion: SCHEMA_VERSION, ok: true, backups: [] });
    await requester.request(Channels.listBackups, { schemaVersion: SCHEMA_VERSION, storageLocation: 's3://b' }, { timeoutMs: 1000 });
    expect(request.mock.calls[0][0]).toBe(Subjects.listBackups);
  });

  it('refuses a subject of another channel', async () => {
    const { requester } = requesterAnswering({});
    await expect(requester.request(Channels.nodeQuery, query, { subject: Subjects.listBackups, timeoutMs: 1 })).rejects.toThrow(
      'is not a subject of NodeQuery',
    );
  });

  it.each([
    ['not JSON', '{'],
    ['not the reply DTO', { schemaVersion: SCHEMA_VERSION, ok: 'yes' }],
  ])('throws InvalidReplyError for an answer that is %s', async (_what, answer) => {
    const { requester } = requesterAnswering(answer);
    await expect(requester.request(Channels.nodeQuery, query, { subject: Subjects.nodeQuery('h1'), timeoutMs: 1 })).rejects.toThrow(
      InvalidReplyError,
    );
  });
});
