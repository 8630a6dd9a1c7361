import { RequestValidationError } from '../requests/registry';
import { parseScheduleDefinition } from './parse-schedule';

const flush = { type: 'flush', keyspace: 'ks', globalRequest: true };
const fields = (body: unknown, fixedId?: string): string[] => {
  try {
    parseScheduleDefinition(body, () => 'generated', fixedId);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors.map((e) => e.field);
    throw error;
  }
  return [];
};

describe('parseScheduleDefinition', () => {
  it('accepts CassKop formats with defaults', () => {
    for (const schedule of [
      '@midnight',
      '@yearly',
      '@annually',
      '@monthly',
      '@weekly',
      '@daily',
      '@hourly',
      '*/5 * * * *',
      '@every 1h30m',
      '@every 2s',
    ]) {
      const definition = parseScheduleDefinition({ request: flush, schedule }, () => 'generated');
      expect(definition).toMatchObject({
        id: 'generated',
        schedule,
        timeZone: 'UTC',
        suspended: false,
        concurrencyPolicy: 'skip',
        catchUp: '10m',
      });
      expect(definition.request.type).toBe('flush');
    }
  });

  it('keeps every field given', () => {
    const definition = parseScheduleDefinition(
      {
        id: 'nightly',
        request: flush,
        schedule: '30 2 * * *',
        timeZone: 'Europe/Berlin',
        window: { start: '01:00', duration: '4h' },
        suspended: true,
        concurrencyPolicy: 'queue',
        catchUp: '1h',
      },
      () => 'unused',
    );
    expect(definition).toMatchObject({
      id: 'nightly',
      timeZone: 'Europe/Berlin',
      window: { start: '01:00', duration: '4h' },
      suspended: true,
      concurrencyPolicy: 'queue',
    });
  });

  it('names each invalid field', () => {
    expect(fields({ request: flush, schedule: '* * * * * *' })).toEqual(['schedule']);
    expect(fields({ request: flush, schedule: '61 * * * *' })).toEqual(['schedule']);
    expect(fields({ request: flush, schedule: '@fortnightly' })).toEqual(['schedule']);
    expect(fields({ request: flush, schedule: '@every 1.5h' })).toEqual(['schedule']);
    expect(fields({ request: flush, schedule: '@every 0s' })).toEqual(['schedule']);
    expect(fields({ request: flush })).toEqual(['schedule']);
    expect(fields({ request: flush, schedule: '@daily', timeZone: 'Mars/Olympus' })).toEqual(['timeZone']);
    expect(fields({ request: flush, schedule: '@daily', window: { start: '25:00', duration: '4h' } })).toEqual(['window.start']);
    expect(fields({ request: flush, schedule: '@daily', window: { start: '01:00', duration: '4 hours' } })).toEqual(['window.duration']);
    expect(fields({ request: flush, schedule: '@daily', window: { start: '01:00', duration: '1h', end: 'x' } })).toEqual(['window.end']);
    expect(fields({ request: flush, schedule: '@daily', suspended: 'yes' })).toEqual(['suspended']);
    expect(fields({ request: flush, schedule: '@daily', concurrencyPolicy: 'replace' })).toEqual(['concurrencyPolicy']);
    expect(fields({ request: flush, schedule: '@daily', catchUp: 'soon' })).toEqual(['catchUp']);
    expect(fields({ request: flush, schedule: '@daily', id: 'Not An Id' })).toEqual(['id']);
    expect(fields({ request: flush, schedule: '@daily', cron: 'x' })).toEqual(['cron']);
    expect(fields({ request: flush, schedule: '@daily', id: 'other' }, 'nightly')).toEqual(['id']);
    expect(fields([])).toEqual(['body']);
  });

  it('validates the request as a submission is, naming request.<field>', () => {
    expect(fields({ schedule: '@daily' })).toEqual(['request']);
    expect(fields({ request: { type: 'nonsense' }, schedule: '@daily' })).toEqual(['request.type']);
    expect(fields({ request: { ...flush, globalRequest: 'sure' }, schedule: '@daily' })).toEqual(['request.globalRequest']);
    expect(fields({ request: { ...flush, id: '6f1c2b9e-3f7c-4a57-9a51-8f0cf0d1e3a1' }, schedule: '@daily' })).toEqual(['request.id']);
    expect(fields({ request: 'flush', schedule: '@daily' })).toEqual(['request']);
  });
});
