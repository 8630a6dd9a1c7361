import { OperationRecord, OperationRequest, OperationState, SCHEMA_VERSION, newOperationRecord } from '@daedalus/contracts';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { DeliveryLease, DeliveryLeaseStore } from '@daedalus/messaging';
import { MemoryJsonKv } from '@daedalus/messaging/testing/memory-json-kv';
import { MemoryOperationStore } from '../operations/handler-fakes';
import { deliveryId, FinalStateNotifier } from './final-state-notifier';
import { readWebhooks, Webhook } from './webhook-config';
import { WebhookClient } from './webhook-client';
import { webhookBody } from './webhook-payload';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from './webhook-signature';

const SECRET = 'whsec-0123456789abcdef';
const hook = (overrides: Partial<Webhook> = {}): Webhook => ({
  name: 'ops',
  url: 'http://127.0.0.1:1/hook',
  secret: SECRET,
  events: ['operation.final'],
  format: 'json',
  ...overrides,
});

describe('webhook signatures', () => {
  const body = '{"id":"x"}';
  it('signs the timestamp and the body, and verifies what it signed', () => {
    const header = signWebhook(SECRET, 1_700_000_000, body);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, header, body, 1_700_000_010)).toBe(true);
  });
  it('refuses another body, another secret, a changed timestamp and an old delivery', () => {
    const header = signWebhook(SECRET, 1_700_000_000, body);
    expect(verifyWebhookSignature(SECRET, header, '{"id":"y"}', 1_700_000_000)).toBe(false);
    expect(verifyWebhookSignature('another-secret-0000', header, body, 1_700_000_000)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header.replace('t=1700000000', 't=1700000001'), body, 1_700_000_000)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, body, 1_700_000_000 + 301)).toBe(false);
    expect(verifyWebhookSignature(SECRET, 'garbage', body, 1_700_000_000)).toBe(false);
  });
});

describe('readWebhooks', () => {
  const files =
    (webhooks: unknown, secret = SECRET) =>
    (path: string) => {
      if (path === 'hooks.json') return JSON.stringify(webhooks);
      if (path === 'secret') return `${secret}\n`;
      throw new Error('ENOENT');
    };
  it('reads the webhooks with their secrets from their files', () => {
    const read = readWebhooks(
      'hooks.json',
      files([{ name: 'ops', url: 'https://h/x', secretFile: 'secret', events: ['operation.final'], format: 'slack', types: ['backup'] }]),
    );
    expect(read).toEqual([
      { name: 'ops', url: 'https://h/x', secret: SECRET, events: ['operation.final'], format: 'slack', types: ['backup'] },
    ]);
  });
  it('names the entry and the field of every problem, never a secret', () => {
    const attempt = () =>
      readWebhooks(
        'hooks.json',
        files(
          [
            { name: 'a', url: 'ftp://x', secretFile: 'missing', events: ['alarm'], format: 'xml' },
            { name: 'a', url: 'http://x', secretFile: 'secret', events: [], extra: 1, types: [] },
          ],
          'short',
        ),
      );
    expect(attempt).toThrow(/webhooks\[0\]\.url must be an http/);
    expect(attempt).toThrow(/webhooks\[0\]\.secretFile: cannot read missing/);
    expect(attempt).toThrow(/webhooks\[0\]\.events: "alarm" is not one of operation.final, alert/);
    expect(attempt).toThrow(/webhooks\[0\]\.format must be one of json, slack/);
    expect(attempt).toThrow(/webhooks\[1\]\.extra is not a webhook field/);
    expect(attempt).toThrow(/webhooks\[1\]\.name: a is used twice/);
    expect(attempt).toThrow(/webhooks\[1\]\.secretFile: the secret must be at least 16 characters/);
    expect(attempt).toThrow(/webhooks\[1\]\.events must list/);
    expect(attempt).toThrow(/webhooks\[1\]\.types must be/);
    expect(() => readWebhooks('hooks.json', files({}))).toThrow('it must hold a JSON array of webhooks');
  });
  it('accepts the alert event', () => {
    const read = readWebhooks('hooks.json', files([{ name: 'pager', url: 'https://h/a', secretFile: 'secret', events: ['alert'] }]));
    expect(read[0]?.events).toEqual(['alert']);
  });
});

describe('FinalStateNotifier', () => {
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const request = { type: 'backup', storageLocation: 's3://b/c/dc/h', snapshotTag: 't' } as unknown as OperationRequest;
  const finished = (state: OperationState): OperationRecord => ({
    ...newOperationRecord('op-1', request, clock.now(), SCHEMA_VERSION),
    state,
    completionTime: clock.now().toISOString(),
  });
  /** A client whose first `failures` posts fail; records what it was asked to send. */
  class ScriptedClient extends WebhookClient {
    readonly posts: Array<{ url: string; body: string; headers: Record<string, string> }> = [];
    constructor(private failures: number) {
      super();
    }
    override async post(url: string, body: string, headers: Record<string, string>): Promise<void> {
      this.posts.push({ url, body, headers });
      if (this.failures > 0) {
        this.failures -= 1;
        throw new Error('the receiver answered HTTP 503');
      }
    }
  }
  const policy = { attempts: 4, initialDelayMs: 100, maxDelayMs: 1_000 };
  const LEASE_MS = 30_000;
  const setup = async (failures: number, webhooks: Webhook[] = [hook()]) => {
    const store = new MemoryOperationStore();
    await store.create(finished(OperationState.COMPLETED));
    const client = new ScriptedClient(failures);
    const waits: number[] = [];
    const kv = new MemoryJsonKv<DeliveryLease>(clock);
    const leases = new DeliveryLeaseStore(kv);
    /** a coordinator: its own owner id, the shared record store, lease bucket and receiver */
    const coordinator = (owner: string, wait: (ms: number) => Promise<void> = async (ms) => void waits.push(ms)) =>
      new FinalStateNotifier(webhooks, store.asStore(), leases, client, clock, { policy, leaseMs: LEASE_MS, owner }, wait);
    const notifier = coordinator('c1');
    return { store, client, waits, notifier, leases, kv, coordinator };
  };

  it('sends a signed body once, and records it delivered', async () => {
    const { store, client, notifier } = await setup(0);
    const record = (await store.get('op-1')) as OperationRecord;
    await notifier.finalState(record);
    expect(client.posts).toHaveLength(1);
    const [post] = client.posts;
    expect(verifyWebhookSignature(SECRET, post.headers[SIGNATURE_HEADER], post.body, clock.now().getTime() / 1000)).toBe(true);
    expect(post.headers[DELIVERY_HEADER]).toBe('op-1.COMPLETED.r0.ops');
    expect(JSON.parse(post.body)).toMatchObject({
      id: 'op-1.COMPLETED.r0.ops',
      event: 'operation.final',
      operation: { id: 'op-1', type: 'backup', state: 'COMPLETED' },
    });
    expect(post.body).not.toContain('s3://b'); // never the request
    expect((await store.get('op-1'))?.notifications).toEqual([
      expect.objectContaining({ id: 'op-1.COMPLETED.r0.ops', webhook: 'ops', state: 'delivered', attempts: 1 }),
    ]);
  });

  it('claims by compare-and-set: a second coordinator announcing the same final state sends nothing', async () => {
    const { store, client, notifier } = await setup(0);
    const other = new FinalStateNotifier([hook()], store.asStore(), new DeliveryLeaseStore(new MemoryJsonKv(clock)), client, clock);
    const record = (await store.get('op-1')) as OperationRecord;
    expect(await notifier.claim(record, hook())).toBe(true);
    expect(await other.claim(record, hook())).toBe(false);
    await other.finalState(record);
    expect(client.posts).toHaveLength(0);
    // a resumed run's final state is another delivery
    expect(deliveryId({ ...record, resumeCount: 1 }, hook())).toBe('op-1.COMPLETED.r1.ops');
  });

  it('does not claim for a record that has moved on (resumed since)', async () => {
    const { store, notifier } = await setup(0);
    const record = (await store.get('op-1')) as OperationRecord;
    await store.mutate('op-1', (current) => ({ ...current, state: OperationState.RUNNING, resumeCount: 1 }));
    expect(await notifier.claim(record, hook())).toBe(false);
  });

  it('retries with backoff and records the attempts and the last error', async () => {
    const { store, client, waits, notifier } = await setup(2);
    await notifier.finalState((await store.get('op-1')) as OperationRecord);
    expect(client.posts).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeGreaterThan(waits[0]);
    expect((await store.get('op-1'))?.notifications?.[0]).toMatchObject({ state: 'delivered', attempts: 3 });
    expect((await store.get('op-1'))?.notifications?.[0]).not.toHaveProperty('lastError');
  });

  it('gives up after the bounded attempts, recorded as failed with the reason', async () => {
    const { store, client, notifier } = await setup(100);
    await notifier.finalState((await store.get('op-1')) as OperationRecord);
    expect(client.posts).toHaveLength(4);
    expect((await store.get('op-1'))?.notifications?.[0]).toMatchObject({
      state: 'failed',
      attempts: 4,
      lastError: 'the receiver answered HTTP 503',
    });
  });

  it('sends only to webhooks of the event and the operation type', async () => {
    const { store, client, notifier } = await setup(0, [hook({ name: 'restores', types: ['restore'] }), hook({ name: 'all' })]);
    await notifier.finalState((await store.get('op-1')) as OperationRecord);
    expect(client.posts.map((p) => p.headers[DELIVERY_HEADER])).toEqual(['op-1.COMPLETED.r0.all']);
  });

  it('leases each delivery while it is sent and erases the lease once settled; a repeated announcement sends nothing', async () => {
    const { store, client, notifier, leases, coordinator } = await setup(1);
    const record = (await store.get('op-1')) as OperationRecord;
    let leasedDuring: DeliveryLease | undefined;
    const seen = client.post.bind(client);
    client.post = async (url, body, headers) => {
      leasedDuring = await leases.get('op-1.COMPLETED.r0.ops');
      return seen(url, body, headers);
    };
    await Promise.all([notifier.finalState(record), coordinator('c2').finalState(record)]);
    expect(leasedDuring).toMatchObject({ deliveryId: 'op-1.COMPLETED.r0.ops', operationId: 'op-1', owner: expect.any(String) });
    expect(client.posts).toHaveLength(2); // one failure, then delivered: one coordinator sent
    expect(await leases.list()).toEqual([]);
    await coordinator('c3').finalState(record); // an event redelivered later: the record holds the delivery
    expect(client.posts).toHaveLength(2);
    expect(await leases.list()).toEqual([]);
  });

  it('a coordinator dying mid-delivery: another takes over once the lease ran out, and goes on from the attempts made', async () => {
    const { store, client, leases, coordinator } = await setup(2);
    // c1 makes its first attempt (refused), then dies during the wait before the second
    const dies = coordinator('c1', () => new Promise<void>(() => undefined));
    void dies.finalState((await store.get('op-1')) as OperationRecord);
    for (let i = 0; i < 50 && client.posts.length < 1; i++) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.posts).toHaveLength(1);
    expect((await store.get('op-1'))?.notifications?.[0]).toMatchObject({ state: 'pending', attempts: 1 });

    const survivor = coordinator('c2');
    await survivor.takeOverAbandoned(); // the lease still runs: nothing taken
    expect(client.posts).toHaveLength(1);
    clock.advance(LEASE_MS);
    await Promise.all([survivor.takeOverAbandoned(), coordinator('c3').takeOverAbandoned()]);
    // one of them took it (compare-and-set): attempts 2 (refused) and 3 (delivered), none past the bound
    expect(client.posts).toHaveLength(3);
    expect(new Set(client.posts.map((p) => p.headers[DELIVERY_HEADER]))).toEqual(new Set(['op-1.COMPLETED.r0.ops']));
    expect((await store.get('op-1'))?.notifications).toEqual([expect.objectContaining({ state: 'delivered', attempts: 3 })]);
    expect(await leases.list()).toEqual([]);
    clock.advance(LEASE_MS);
    await survivor.takeOverAbandoned();
    expect(client.posts).toHaveLength(3);
  });

  it('takes over a delivery leased but never claimed, and erases one already settled; the attempts stay bounded', async () => {
    const { store, client, leases, coordinator } = await setup(100);
    const record = (await store.get('op-1')) as OperationRecord;
    const lease = (owner: string): DeliveryLease => ({
      deliveryId: 'op-1.COMPLETED.r0.ops',
      operationId: 'op-1',
      webhook: 'ops',
      operationState: 'COMPLETED',
      resumeCount: 0,
      owner,
      leaseUntil: clock.now().toISOString(),
    });
    // leased, then its coordinator died before claiming: the taker claims and delivers (here: fails 4 times)
    expect(await leases.create(lease('dead'))).toBe(true);
    await coordinator('c2').takeOverAbandoned();
    expect(client.posts).toHaveLength(policy.attempts);
    expect((await store.get('op-1'))?.notifications).toEqual([expect.objectContaining({ state: 'failed', attempts: policy.attempts })]);
    expect(await leases.list()).toEqual([]);
    // settled in the record, but the lease was left (died before erasing it): erased, nothing sent
    expect(await leases.create(lease('dead'))).toBe(true);
    await coordinator('c3').takeOverAbandoned();
    expect(client.posts).toHaveLength(policy.attempts);
    expect(await leases.list()).toEqual([]);
    // a run that moved on (resumed since): nothing sent, lease erased
    await store.mutate('op-1', (current) => ({ ...current, state: OperationState.RUNNING, resumeCount: 1, notifications: [] }));
    expect(await leases.create(lease('dead'))).toBe(true);
    await coordinator('c4').takeOverAbandoned();
    expect(client.posts).toHaveLength(policy.attempts);
    expect(await leases.list()).toEqual([]);
    expect(record.state).toBe(OperationState.COMPLETED);
  });

  it('a coordinator whose lease was taken over stops sending', async () => {
    const { store, client, leases, coordinator } = await setup(100);
    const slow = coordinator('slow', async () => {
      // while it waits, its lease runs out and another coordinator takes the delivery
      clock.advance(LEASE_MS);
      await leases.take('op-1.COMPLETED.r0.ops', () => true, 'other', new Date(clock.now().getTime() + LEASE_MS));
    });
    await slow.finalState((await store.get('op-1')) as OperationRecord);
    expect(client.posts).toHaveLength(1);
    expect(await leases.get('op-1.COMPLETED.r0.ops')).toMatchObject({ owner: 'other' }); // left to its new owner
  });

  it('writes a Slack-compatible {text} body when asked', () => {
    const record = { ...finished(OperationState.FAILED), errors: [{ source: 'h1 (10.0.0.1)', message: 'disk full' }] };
    const body = JSON.parse(webhookBody(hook({ format: 'slack' }), 'operation.final', 'd', record, clock.now().toISOString())) as Record<
      string,
      unknown
    >;
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toMatch(/backup `op-1` FAILED/);
    expect(body.text).toContain('h1 (10.0.0.1): disk full');
  });
});
