import { OperationRecord } from '@daedalus/contracts';
import { BadRequestException } from '@nestjs/common';
import { eventFilter, lastEventId, passes } from './event-params';

function fieldsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof BadRequestException) {
      return (error.getResponse() as { errors: Array<{ field: string }> }).errors.map((e) => e.field);
    }
    throw error;
  }
  throw new Error('not refused');
}

describe('event stream parameters', () => {
  it('filters by types and states, repeated or comma-separated, in any case', () => {
    const filter = eventFilter({ type: ['Backup,restore'], state: 'completed' });
    expect([...filter.types]).toEqual(['backup', 'restore']);
    expect([...filter.states]).toEqual(['COMPLETED']);
    const record = (type: string, state: string) => ({ type, state }) as unknown as OperationRecord;
    expect(passes(filter, record('backup', 'COMPLETED'))).toBe(true);
    expect(passes(filter, record('backup', 'RUNNING'))).toBe(false);
    expect(passes(filter, record('flush', 'COMPLETED'))).toBe(false);
    expect(passes(eventFilter({}), record('flush', 'RUNNING'))).toBe(true);
  });

  it('refuses an unknown type, state or parameter naming it', () => {
    expect(fieldsOf(() => eventFilter({ type: 'nonsense' }))).toEqual(['type']);
    expect(fieldsOf(() => eventFilter({ state: 'DONE' }))).toEqual(['state']);
    expect(fieldsOf(() => eventFilter({ status: 'RUNNING' }))).toEqual(['status']);
    expect(fieldsOf(() => eventFilter({ type: { a: 'b' } }))).toEqual(['type']);
  });

  it('reads Last-Event-ID as a revision, and refuses anything else naming the header', () => {
    expect(lastEventId(undefined)).toBeUndefined();
    expect(lastEventId('')).toBeUndefined();
    expect(lastEventId('42')).toBe(42);
    expect(lastEventId(' 7 ')).toBe(7);
    for (const bad of ['abc', '-1', '1.5', '1e3', '9999999999999999', ['1', '2']]) {
      expect(fieldsOf(() => lastEventId(bad))).toEqual(['Last-Event-ID']);
    }
  });
});
