import { newOperationRecord, OperationRecord, OperationRequest, OperationState } from '@daedalus/contracts';
import { JsonKv, Mutation, Versioned } from './json-kv';
import { ActiveMarker, OperationStore } from './stores';

/** JsonKv over a Map, with a hook before deletes to interleave a concurrent writer. */
class MemoryKv<T> {
  readonly entries = new Map<string, Versioned<T>>();
  private revision = 0;
  beforeDelete?: (key: string) => void;

  async get(key: string) {
    return this.entries.get(key);
  }
  async create(key: string, value: T) {
    if (this.entries.has(key)) return false;
    await this.put(key, value);
    return true;
  }
  async put(key: string, value: T) {
    this.entries.set(key, { key, value, revision: ++this.revision, storedAt: new Date() });
  }
  async mutate(key: string, mutation: Mutation<T>) {
    const current = this.entries.get(key);
    if (!current) return undefined;
    const next = mutation(current.value);
    if (next === undefined) return current.value;
    await this.put(key, next);
    return next;
  }
  async values() {
    return [...this.entries.values()];
  }
  async delete(key: string) {
    this.beforeDelete?.(key);
    this.entries.delete(key);
  }
}

const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const failed = (): OperationRecord => ({
  ...newOperationRecord(ID, { type: 'flush', keyspace: 'ks' } as OperationRequest, new Date(0), '1.0'),
  state: OperationState.FAILED,
});

describe('OperationStore: the index of unfinished operations across a resume', () => {
  function store() {
    const records = new MemoryKv<OperationRecord>();
    const active = new MemoryKv<ActiveMarker>();
    const operations = new OperationStore(records as unknown as JsonKv<OperationRecord>, active as unknown as JsonKv<ActiveMarker>);
    return { records, active, operations };
  }

  it('marks a record that a resume takes back to RUNNING as active, and lists it', async () => {
    const { records, active, operations } = store();
    await records.put(ID, failed());
    const resumed = await operations.reopen(ID, (r) => ({ ...r, state: OperationState.RUNNING, resumedAt: new Date(5).toISOString() }));
    expect(resumed?.state).toBe(OperationState.RUNNING);
    expect(active.entries.get(ID)?.value).toEqual({ since: new Date(5).toISOString() });
    expect((await operations.listActive(new Date())).map((r) => r.id)).toEqual([ID]);
  });

  it('leaves no marker when the resume changed nothing (refused)', async () => {
    const { records, active, operations } = store();
    await records.put(ID, failed());
    await operations.reopen(ID, () => undefined);
    expect(active.entries.has(ID)).toBe(false);
  });

  it('puts the marker back when a clean-up deleted it while a resume took the record back to RUNNING', async () => {
    const { records, active, operations } = store();
    await records.put(ID, failed());
    await active.put(ID, { since: 'x' });
    // the sweeper read the record as FAILED; before its delete lands, a resume moves the record to RUNNING
    active.beforeDelete = () => {
      active.beforeDelete = undefined;
      const record = records.entries.get(ID);
      if (record) records.entries.set(ID, { ...record, value: { ...record.value, state: OperationState.RUNNING } });
    };
    await operations.mutate(ID, () => undefined);
    expect(active.entries.has(ID)).toBe(true);
  });
});
