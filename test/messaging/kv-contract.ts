/**
 * The KV contract: one suite for every `JsonStore` — `JsonKv` on a real nats-server (operation-store.test.ts,
 * integration) and the in-memory `MemoryJsonKv` (memory-json-kv.spec.ts, unit) — checking the store itself and the
 * repositories built on it (OperationStore with its index of unfinished operations, NodeRegistry with heartbeat
 * ages), so unit specs that use the fake see what the services see on NATS.
 */
import { randomBytes } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { FlushRequest, newOperationRecord, NodeRegistration, OperationRecord, OperationState, SCHEMA_VERSION } from '@daedalus/contracts';
import { ActiveMarker, JsonStore, NodeRegistry, OperationStore } from '@daedalus/messaging';
import { SystemClock } from '@daedalus/common';

/** The three buckets the services use, each as a JsonStore of its value type. */
export interface KvTarget {
  operations(): JsonStore<OperationRecord>;
  activeOperations(): JsonStore<ActiveMarker>;
  nodes(): JsonStore<NodeRegistration>;
  /** a bucket of test values, for the store's own checks */
  scratch(): JsonStore<{ n: number; text?: string }>;
  /** how many messages the active-operations index holds (on NATS: its stream's state), when the target can tell */
  activeIndexMessages?(): Promise<number>;
  teardown(): Promise<void>;
}

function registration(hostId: string): NodeRegistration {
  return {
    schemaVersion: SCHEMA_VERSION,
    hostId,
    address: '127.0.0.1',
    dc: 'dc1',
    rack: 'rack1',
    tokens: ['1'],
    clusterName: 'c',
    cassandraVersion: '4.1.7',
    schemaVersionId: 's',
    operationMode: 'NORMAL',
    dataDirectories: ['/data'],
    agentVersion: '0.1.0',
    startedAt: new Date().toISOString(),
    heartbeatAt: new Date().toISOString(),
    keyspaces: { ks: ['t'] },
  };
}

export function runKvContract(name: string, setup: () => Promise<KvTarget>): void {
  describe(`KV contract: ${name}`, () => {
    let target: KvTarget;
    let store: JsonStore<{ n: number; text?: string }>;
    // keys of their own on every run, so a shared server's buckets do not disturb the checks
    const run = randomBytes(3).toString('hex');
    const key = (name: string) => `${name}-${run}`;

    beforeAll(async () => {
      target = await setup();
      store = target.scratch();
    });

    afterAll(async () => {
      await target?.teardown();
    });

    it('gets nothing for a key never written; put then get gives the value, a revision and the time it was stored', async () => {
      expect(await store.get(key('never'))).toBeUndefined();
      const before = Date.now();
      await store.put(key('a'), { n: 1, text: 'ünïcødé "quoted"' });
      const entry = await store.get(key('a'));
      expect(entry).toMatchObject({ key: key('a'), value: { n: 1, text: 'ünïcødé "quoted"' } });
      expect(entry?.revision).toBeGreaterThan(0);
      // the server's clock: close to this one
      expect(Math.abs((entry?.storedAt.getTime() ?? 0) - before)).toBeLessThan(5_000);
    });

    it('gives every write a higher revision than any before it in the bucket', async () => {
      await store.put(key('r1'), { n: 1 });
      const first = (await store.get(key('r1')))?.revision ?? 0;
      await store.put(key('r2'), { n: 2 });
      const second = (await store.get(key('r2')))?.revision ?? 0;
      await store.put(key('r1'), { n: 3 });
      const third = (await store.get(key('r1')))?.revision ?? 0;
      expect(second).toBeGreaterThan(first);
      expect(third).toBeGreaterThan(second);
    });

    it('hands out copies: changing a value read does not change what is stored', async () => {
      await store.put(key('copy'), { n: 1 });
      const read = await store.get(key('copy'));
      if (read) read.value.n = 99;
      const [listed] = (await store.values()).filter((e) => e.key === key('copy'));
      listed.value.n = 98;
      expect((await store.get(key('copy')))?.value).toEqual({ n: 1 });
    });

    it('creates only where the key holds no value: never written, or deleted', async () => {
      expect(await store.create(key('c'), { n: 1 })).toBe(true);
      expect(await store.create(key('c'), { n: 2 })).toBe(false);
      expect((await store.get(key('c')))?.value).toEqual({ n: 1 });
      await store.delete(key('c'));
      expect(await store.get(key('c'))).toBeUndefined();
      expect(await store.create(key('c'), { n: 3 })).toBe(true);
      expect((await store.get(key('c')))?.value).toEqual({ n: 3 });
    });

    it('mutates by compare-and-set: a new value gets a new revision, "no change" writes nothing, a missing key stays missing', async () => {
      await store.put(key('m'), { n: 1 });
      const before = (await store.get(key('m')))?.revision ?? 0;
      expect(await store.mutate(key('m'), (v) => ({ n: v.n + 1 }))).toEqual({ n: 2 });
      const after = await store.get(key('m'));
      expect(after?.value).toEqual({ n: 2 });
      expect(after?.revision).toBeGreaterThan(before);
      expect(await store.mutate(key('m'), () => undefined)).toEqual({ n: 2 });
      expect((await store.get(key('m')))?.revision).toBe(after?.revision);
      expect(await store.mutate(key('missing'), (v) => ({ n: v.n + 1 }))).toBeUndefined();
      expect(await store.get(key('missing'))).toBeUndefined();
    });

    it('lands a mutation with a pinned revision at exactly the revision it was told, concurrent ones all applied', async () => {
      await store.put(key('pin'), { n: 0 });
      let told: number | undefined;
      await store.mutate(key('pin'), (v, at) => ((told = at.nextRevision), { n: v.n + 1 }), { pinRevision: true });
      expect((await store.get(key('pin')))?.revision).toBe(told);
      // writes of other keys in between make a pinned write conflict and try again, never land elsewhere
      const seen: Array<number | undefined> = [];
      await Promise.all([
        ...Array.from({ length: 4 }, () =>
          store.mutate(key('pin'), (v, at) => (seen.push(at.nextRevision), { n: v.n + 1, text: String(at.nextRevision) }), {
            pinRevision: true,
          }),
        ),
        ...Array.from({ length: 4 }, (_, i) => store.put(key(`pin-other-${i}`), { n: i })),
      ]);
      const final = await store.get(key('pin'));
      expect(final?.value.n).toBe(5);
      expect(final?.value.text).toBe(String(final?.revision));
      expect(seen.every((r) => typeof r === 'number')).toBe(true);
    });

    it('applies every one of concurrent mutations (none is lost to another writer)', async () => {
      await store.put(key('counter'), { n: 0 });
      await Promise.all(Array.from({ length: 8 }, () => store.mutate(key('counter'), (v) => ({ n: v.n + 1 }))));
      expect((await store.get(key('counter')))?.value).toEqual({ n: 8 });
    });

    it('lists values of live keys only; keys lists the deleted ones too; a delete is idempotent', async () => {
      await store.put(key('l1'), { n: 1 });
      await store.put(key('l2'), { n: 2 });
      await store.put(key('l3'), { n: 3 });
      await store.delete(key('l3'));
      await store.delete(key('l3'));
      await store.delete(key('never-written'));
      const mine = (keys: string[]) => keys.filter((k) => /^l\d-/.test(k) && k.endsWith(run)).sort();
      expect(mine((await store.values()).map((e) => e.key))).toEqual([key('l1'), key('l2')]);
      expect(mine(await store.keys())).toEqual([key('l1'), key('l2'), key('l3')]);
    });

    it('erases a key with its history: keys no longer lists it, create writes it afresh, an erase is idempotent', async () => {
      await store.put(key('e1'), { n: 1 });
      await store.put(key('e1'), { n: 2 });
      await store.delete(key('e1'));
      await store.put(key('e2'), { n: 1 });
      await store.erase(key('e1'));
      await store.erase(key('e1'));
      await store.erase(key('never-written'));
      const mine = (keys: string[]) => keys.filter((k) => /^e\d-/.test(k) && k.endsWith(run)).sort();
      expect(mine(await store.keys())).toEqual([key('e2')]);
      expect(await store.get(key('e1'))).toBeUndefined();
      expect(await store.create(key('e1'), { n: 3 })).toBe(true);
      expect((await store.get(key('e1')))?.value).toEqual({ n: 3 });
      expect(mine(await store.keys())).toEqual([key('e1'), key('e2')]);
    });

    it("lists a bucket's keys at once while one of them is rewritten all the time (as heartbeats do)", async () => {
      await store.put(key('n1'), { n: 0 });
      await store.put(key('n2'), { n: 0 });
      await store.put(key('gone'), { n: 0 });
      await store.delete(key('gone'));
      let beating = true;
      const heartbeat = (async () => {
        for (let beat = 1; beating; beat++) {
          await store.put(key('n1'), { n: beat });
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      try {
        // the NATS client's own kv.keys() hung about once in 400 listings like these, and listed a rewritten key twice
        for (let round = 0; round < 200; round++) {
          const listed = await Promise.race([
            store.values(),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`listing ${round} took over 5 s`)), 5_000)),
          ]);
          const mine = listed.map((entry) => entry.key).filter((k) => k === key('n1') || k === key('n2') || k === key('gone'));
          expect(mine.sort()).toEqual([key('n1'), key('n2')]);
        }
      } finally {
        beating = false;
        await heartbeat;
      }
    });

    describe('OperationStore over it', () => {
      let operations: OperationStore;
      let active: JsonStore<ActiveMarker>;
      const record = (id: string) =>
        newOperationRecord(id, plainToInstance(FlushRequest, { type: 'flush', keyspace: 'ks' }), new Date(), SCHEMA_VERSION);
      const activeIds = async (now = new Date()) =>
        (await operations.listActive(now))
          .map((r) => r.id)
          .filter((id) => id.endsWith(run))
          .sort();

      beforeAll(() => {
        active = target.activeOperations();
        operations = new OperationStore(target.operations(), active);
      });

      it('creates a record once; a second create of the id finds it', async () => {
        expect(await operations.create(record(key('o0')))).toBe(true);
        expect(await operations.create({ ...record(key('o0')), type: 'cleanup' })).toBe(false);
        expect((await operations.get(key('o0')))?.type).toBe('flush');
        expect((await operations.list()).map((r) => r.id)).toContain(key('o0'));
      });

      it('lists an operation as active from creation until it is finished, and only then', async () => {
        await operations.create(record(key('a1')));
        await operations.create(record(key('a2')));
        expect(await activeIds()).toEqual(expect.arrayContaining([key('a1'), key('a2')]));
        await operations.mutate(key('a1'), (r) => ({ ...r, state: OperationState.RUNNING }));
        expect(await activeIds()).toEqual(expect.arrayContaining([key('a1'), key('a2')]));
        await operations.mutate(key('a1'), (r) => ({ ...r, state: OperationState.COMPLETED }));
        expect(await activeIds()).not.toContain(key('a1'));
        expect(await activeIds()).toContain(key('a2'));
        // finished records stay queryable; only the marker went
        expect((await operations.get(key('a1')))?.state).toBe(OperationState.COMPLETED);
        expect(await active.get(key('a1'))).toBeUndefined();
      });

      it('cleans up a marker whose record is already finished, and keeps a fresh one whose record is not there yet', async () => {
        await operations.create(record(key('b1')));
        await operations.mutate(key('b1'), (r) => ({ ...r, state: OperationState.FAILED }));
        await active.put(key('b1'), { since: 'left behind' });
        await active.put(key('b2'), { since: 'record about to be created' });
        expect(await activeIds()).not.toContain(key('b1'));
        expect(await active.get(key('b1'))).toBeUndefined();
        expect(await active.get(key('b2'))).toBeDefined();
        // past the grace period, an orphan marker goes too
        await operations.listActive(new Date(Date.now() + 120_000));
        expect(await active.get(key('b2'))).toBeUndefined();
      });

      it('keeps nothing of finished operations in the index, however many ran (idle listing cost does not grow)', async () => {
        const before = await target.activeIndexMessages?.();
        for (let i = 0; i < 50; i++) {
          await operations.create(record(key(`h${i}`)));
          await operations.mutate(key(`h${i}`), (r) => ({ ...r, state: OperationState.COMPLETED }));
        }
        const mine = (await active.keys()).filter((k) => /^h\d+-/.test(k) && k.endsWith(run));
        expect(mine).toEqual([]);
        // no delete or purge marker per operation left in the stream either
        if (before !== undefined) expect(await target.activeIndexMessages?.()).toBe(before);
      });

      it('cleans up a delete marker an earlier version left in the index', async () => {
        await active.put(key('d1'), { since: 'earlier version' });
        await active.delete(key('d1'));
        expect(await active.keys()).toContain(key('d1'));
        await operations.listActive(new Date());
        expect(await active.keys()).not.toContain(key('d1'));
      });

      it('takes a finished record back to RUNNING (a resume) and lists it as active again; a refused resume leaves no marker', async () => {
        await operations.create(record(key('r1')));
        await operations.mutate(key('r1'), (r) => ({ ...r, state: OperationState.FAILED }));
        const resumed = await operations.reopen(key('r1'), (r) => ({
          ...r,
          state: OperationState.RUNNING,
          resumedAt: new Date(5).toISOString(),
        }));
        expect(resumed?.state).toBe(OperationState.RUNNING);
        expect((await active.get(key('r1')))?.value).toEqual({ since: new Date(5).toISOString() });
        expect(await activeIds()).toContain(key('r1'));

        await operations.create(record(key('r2')));
        await operations.mutate(key('r2'), (r) => ({ ...r, state: OperationState.FAILED }));
        await operations.reopen(key('r2'), () => undefined);
        expect(await active.get(key('r2'))).toBeUndefined();
      });
    });

    describe('NodeRegistry over it', () => {
      it('keeps registrations by host id with the age of their last heartbeat, by the store clock', async () => {
        const registry = new NodeRegistry(target.nodes(), new SystemClock());
        const hostId = `00000000-0000-4000-8000-${run.padStart(12, '0')}`;
        await registry.put(registration(hostId));
        const view = await registry.get(hostId);
        expect(view?.registration.hostId).toBe(hostId);
        expect(view?.heartbeatAgeMs).toBeGreaterThanOrEqual(-1_000);
        expect(view?.heartbeatAgeMs).toBeLessThan(5_000);
        expect((await registry.list()).map((v) => v.registration.hostId)).toContain(hostId);
        await registry.remove(hostId);
        expect(await registry.get(hostId)).toBeUndefined();
        expect((await registry.list()).map((v) => v.registration.hostId)).not.toContain(hostId);
      });
    });
  });
}
