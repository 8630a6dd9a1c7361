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
