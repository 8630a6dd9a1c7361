import { JetStreamClient } from '@nats-io/jetstream';
import { MessageIds, NodeEventMessage } from '@daedalus/contracts';
import { eventSignatureProblem, Signing, SigningKey } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { EventPublisher } from './event-publisher';
import { SecretScrubber } from './secret-scrubber';

const OP = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const KEY = new SigningKey(Buffer.from('k'.repeat(40)));

function publisher(duplicates: Set<string>) {
  const sent: Array<{ id: string; event: NodeEventMessage }> = [];
  const js = {
    publish: async (_subject: string, data: string, options: { msgID: string }) => {
      sent.push({ id: options.msgID, event: JSON.parse(data) as NodeEventMessage });
      return { seq: sent.length, duplicate: duplicates.has(options.msgID) };
    },
  } as unknown as JetStreamClient;
  const clock = { now: () => new Date('2026-01-01T00:00:00Z') } as Clock;
  return { events: new EventPublisher(js, clock, new SecretScrubber(), new Signing(KEY)), sent };
}

describe('EventPublisher', () => {
  it('signs every event and names the run it answers', async () => {
    const { events, sent } = publisher(new Set());
    await events.publish(OP, 'h1', 'completed', { progress: 1, phase: 'IMPORT', result: { ok: true } }, 2);
    expect(sent).toHaveLength(1);
    expect(sent[0].id).toBe(MessageIds.event(OP, 'h1', 'completed', 'IMPORT', 2));
    expect(sent[0].event).toMatchObject({ resume: 2, phase: 'IMPORT' });
    expect(eventSignatureProblem(KEY, sent[0].event)).toBeUndefined();
  });

  it('carries a restore ledger fact in a signed progress event, resolving only once JetStream acked it', async () => {
    const { events, sent } = publisher(new Set());
    await events.publish(OP, 'h1', 'progress', { progress: 0.5, phase: 'TRUNCATE', ledger: { done: 'truncated', table: 'ks.t' } });
    expect(sent[0].event).toMatchObject({ kind: 'progress', phase: 'TRUNCATE', ledger: { done: 'truncated', table: 'ks.t' } });
    expect(eventSignatureProblem(KEY, sent[0].event)).toBeUndefined();
    expect(eventSignatureProblem(KEY, { ...sent[0].event, ledger: { done: 'truncated', table: 'ks.other' } })).toBe(
      "the event's signature does not verify",
    );
  });

  it('sends a result again under a unique id when its id was taken (another client may have published first)', async () => {
    const taken = MessageIds.event(OP, 'h1', 'completed', 'UPLOAD', 0);
    const { events, sent } = publisher(new Set([taken]));
    await events.publish(OP, 'h1', 'completed', { progress: 1, phase: 'UPLOAD' });
    expect(sent.map((s) => s.id)).toEqual([taken, expect.stringMatching(new RegExp(`^${taken.replace(/\./g, '\\.')}\\.again\\.`))]);
    expect(sent[1].event).toEqual(sent[0].event);
  });
});
