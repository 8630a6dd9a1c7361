import { JetStreamClient } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { NodeProgress, OperationRecord, OperationState, startOperation } from '@daedalus/contracts';
import { clockAt } from '../operations/handler-fakes';
import { flushRecord, NOW } from '../operations/test-fixtures';
import { FAN_OUT_CONCURRENCY, NodeCommands } from './node-commands';

const hostId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

function runningFlush(nodes: number): OperationRecord {
  const targets: NodeProgress[] = Array.from({ length: nodes }, (_, i) => ({
    hostId: hostId(i + 1),
    address: `10.0.${i >> 8}.${i & 255}`,
    dc: 'dc1',
    state: OperationState.PENDING,
    progress: 0,
  }));
  return startOperation(flushRecord({ globalRequest: true }), targets, NOW) as OperationRecord;
}

/** A JetStream client whose publishes resolve after a turn of the event loop, counting how many are in flight. */
function countingJetStream(failFor?: string) {
  const seen = { inFlight: 0, maxInFlight: 0, ids: [] as string[] };
  const js = {
    publish: async (subject: string, _data: string, options: { msgID: string }) => {
      seen.inFlight += 1;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.inFlight -= 1;
      if (failFor && subject.endsWith(failFor)) throw new Error('no ack from JetStream');
      seen.ids.push(options.msgID);
      return { seq: seen.ids.length, duplicate: false };
    },
  } as unknown as JetStreamClient;
  return { js, seen };
}

const nc = { publish: () => undefined } as unknown as NatsConnection;

describe('NodeCommands fan-out', () => {
  it('publishes a command to every node, a bounded number at once, each awaited', async () => {
    const { js, seen } = countingJetStream();
    await new NodeCommands(js, nc, clockAt(NOW)).dispatchPending(runningFlush(300));
    expect(new Set(seen.ids).size).toBe(300);
    expect(seen.ids).toContain(`command.op-1.${hostId(300)}.run`);
    expect(seen.maxInFlight).toBe(FAN_OUT_CONCURRENCY);
    expect(seen.inFlight).toBe(0);
  });

  it('sends cancel to every node that owes a result, fanned out the same way', async () => {
    const { js, seen } = countingJetStream();
    await new NodeCommands(js, nc, clockAt(NOW)).cancelPending(runningFlush(200));
    expect(seen.ids.filter((id) => id.endsWith('.cancel'))).toHaveLength(200);
    expect(seen.maxInFlight).toBe(FAN_OUT_CONCURRENCY);
  });

  it('fails the dispatch when a publish is not acknowledged (the message handled is retried)', async () => {
    const { js } = countingJetStream(hostId(150));
    await expect(new NodeCommands(js, nc, clockAt(NOW)).dispatchPending(runningFlush(200))).rejects.toThrow('no ack from JetStream');
  });
});
