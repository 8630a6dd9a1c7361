import {
  applyNodeEvent,
  NodeEventKind,
  NodeEventMessage,
  NodeProgress,
  OperationRecord,
  OperationState,
  SCHEMA_VERSION,
  startOperation,
} from '@daedalus/contracts';
import { flushRecord, NOW } from '../operations/test-fixtures';
import { planFor } from '../plans/plans';
import { withRequestDigests } from '../plans/request-digests';
import { workRefusal } from './event-checks';
import { foldNodeEvents } from './node-event-folding';

const hostId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

function started(nodes: number, fields: Record<string, unknown> = {}): OperationRecord {
  const targets: NodeProgress[] = Array.from({ length: nodes }, (_, i) => ({
    hostId: hostId(i + 1),
    address: `10.0.0.${i}`,
    dc: i % 2 === 0 ? 'dc1' : 'dc2',
    state: OperationState.PENDING,
    progress: 0,
  }));
  const base = flushRecord({ globalRequest: true, ...fields });
  return withRequestDigests(startOperation(base, targets, NOW, planFor(base.type).phases(base))) as OperationRecord;
}

/** The handler's per-event rule, as the fold's full path gets it (refusals throw). */
const applyEvent = (record: OperationRecord, event: NodeEventMessage): OperationRecord | undefined => {
  const refusal = workRefusal(record, event);
  if (refusal) throw new Error(refusal);
  return withRequestDigests(applyNodeEvent(record, event, NOW, planFor(record.type).phases(record)));
};

/** The events applied one after the other, each by itself: what the fold must equal. */
function oneByOne(record: OperationRecord, events: NodeEventMessage[]): { value: OperationRecord; errors: boolean[] } {
  let current = record;
  const errors = events.map((event) => {
    try {
      current = applyEvent(current, event) ?? current;
      return false;
    } catch {
      return true;
    }
  });
  return { value: current, errors };
}

/** A small seeded generator, so a failure names the seed that shows it. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const KINDS: NodeEventKind[] = ['started', 'progress', 'progress', 'completed', 'completed', 'failed', 'cancelled'];

function randomEvents(next: () => number, nodes: number, count: number): NodeEventMessage[] {
  return Array.from({ length: count }, () => {
    const kind = KINDS[Math.floor(next() * KINDS.length)];
    const host = next() < 0.03 ? hostId(9999) : hostId(1 + Math.floor(next() * nodes));
    return {
      schemaVersion: SCHEMA_VERSION,
      kind,
      operationId: 'op-1',
      hostId: host,
      progress: kind === 'completed' ? 1 : Math.round(next() * 100) / 100,
      ...(next() < 0.2 ? { message: `m${Math.floor(next() * 3)}` } : {}),
      at: NOW.toISOString(),
    };
  });
}

describe('foldNodeEvents', () => {
  it.each([
    ['a flush', {}],
    ['a flush taking turns (parallel: 2)', { parallel: 2 }],
  ])('gives what applying the events one by one gives, for %s (200 random groups)', (_name, fields) => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const nodes = 1 + Math.floor(next() * 12);
      const record = started(nodes, fields);
      const events = randomEvents(next, nodes, Math.floor(next() * 40));
      const expected = oneByOne(record, events);
      const folded = foldNodeEvents(record, events, NOW, applyEvent);

      expect({ seed, value: folded.value ?? record }).toEqual({ seed, value: expected.value });
      expect({ seed, errors: folded.outcomes.map((o) => 'error' in o) }).toEqual({ seed, errors: expected.errors });
    }
  });

  it('reports no change for events that change nothing, and leaves the record read untouched', () => {
    const record = started(3);
    const copy = structuredClone(record);
    const completed = (h: string): NodeEventMessage => ({
      schemaVersion: SCHEMA_VERSION,
      kind: 'completed',
      operationId: 'op-1',
      hostId: h,
      progress: 1,
      at: NOW.toISOString(),
    });
    const once = foldNodeEvents(record, [completed(hostId(1))], NOW, applyEvent);
    expect(record).toEqual(copy);
    const again = foldNodeEvents(once.value as OperationRecord, [completed(hostId(1)), completed(hostId(1))], NOW, applyEvent);
    expect(again.value).toBeUndefined();
    const rest = foldNodeEvents(once.value as OperationRecord, [completed(hostId(2)), completed(hostId(3))], NOW, applyEvent);
    expect(rest.value?.state).toBe(OperationState.COMPLETED);
    expect(rest.value?.progress).toBe(1);
  });
});
