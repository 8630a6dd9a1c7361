import { newOperationRecord, OperationRecord, OperationRequest, OperationState } from '@daedalus/contracts';
import { ActiveMarker, OperationStore } from './stores';
import { MemoryJsonKv } from './testing/memory-json-kv';

const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const failed = (): OperationRecord => ({
  ...newOperationRecord(ID, { type: 'flush', keyspace: 'ks' } as OperationRequest, new Date(0), '1.0'),
  state: OperationState.FAILED,
});

describe('OperationStore: the index of unfinished operations across a resume', () => {
  function store() {
    const records = new MemoryJsonKv<OperationRecord>();
    const active = new MemoryJsonKv<ActiveMarker>();
    const operations = new OperationStore(records, active);
    return { records, active, operations };
  }

  it('marks a record that a resume takes back to RUNNING as active, and lists it', async () => {
    const { records, active, operations } = store();
    await records.put(ID, failed());
    const resumed = await operations.reopen(ID, (r) => ({ ...r, state: OperationState.RUNNING, resumedAt: new Date(5).toISOString() }));
    expect(resumed?.state).toBe(OperationState.RUNNING);
    expect((await active.get(ID))?.value).toEqual({ since: new Date(5).toISOString() });
    expect((await operations.listActive(new Date())).map((r) => r.id)).toEqual([ID]);
  });

  it('leaves no marker when the resume changed nothing (refused)', async () => {
    const { records, active, operations } = store();
    await records.put(ID, failed());
    await operations.reopen(ID, () => undefined);
    expect(await active.get(ID)).toBeUndefined();
  });

  it('puts the marker back when a clean-up deleted it while a resume took the record back to RUNNING', async () => {
    const { records, active, operations } = store();
    await records.put(ID, failed());
    await active.put(ID, { since: 'x' });
    // the sweeper read the record as FAILED; before its delete lands, a resume moves the record to RUNNING
    active.beforeWrite = async (_key, operation) => {
      if (operation !== 'delete') return;
      active.beforeWrite = undefined;
      await records.mutate(ID, (record) => ({ ...record, state: OperationState.RUNNING }));
    };
    await operations.mutate(ID, () => undefined);
    expect(await active.get(ID)).toBeDefined();
  });
});

describe('OperationStore: transitions told to listeners', () => {
  const running = (): OperationRecord => ({ ...failed(), state: OperationState.RUNNING });

  it('tells each change once, to the store whose compare-and-set wrote it, when two stores race', async () => {
    const records = new MemoryJsonKv<OperationRecord>();
    const active = new MemoryJsonKv<ActiveMarker>();
    await records.put(ID, running());
    const told: string[] = [];
    const stores = ['a', 'b'].map((name) => {
      const store = new OperationStore(records, active);
      store.onTransition((before, after) => told.push(`${name}: ${before.state} -> ${after.state}`));
      return store;
    });
    const finish = (current: OperationRecord) =>
      current.state === OperationState.RUNNING ? { ...current, state: OperationState.COMPLETED } : undefined;
    // the second writer reads while the first writes: its first attempt loses the compare-and-set and is retried
    let raced = false;
    records.beforeWrite = async () => {
      if (raced) return;
      raced = true;
      await stores[1].mutate(ID, finish);
    };
    await stores[0].mutate(ID, finish);
    expect(told).toEqual(['b: RUNNING -> COMPLETED']);
    expect((await records.get(ID))?.value.state).toBe(OperationState.COMPLETED);
  });

  it('tells nothing when the mutation changed nothing, and a throwing listener never fails the write', async () => {
    const records = new MemoryJsonKv<OperationRecord>();
    const store = new OperationStore(records, new MemoryJsonKv<ActiveMarker>());
    await records.put(ID, running());
    const told: string[] = [];
    store.onTransition(() => {
      throw new Error('listener broke');
    });
    store.onTransition((_, after) => told.push(after.state));
    await store.mutate(ID, () => undefined);
    expect(told).toEqual([]);
    await expect(store.mutate(ID, (r) => ({ ...r, state: OperationState.FAILED }))).resolves.toMatchObject({ state: 'FAILED' });
    expect(told).toEqual(['FAILED']);
  });
});
