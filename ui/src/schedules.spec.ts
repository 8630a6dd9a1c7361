import { ScheduleView } from './api';
import { definitionFromForm, requestSummary, suspensionBody } from './schedules';

const VIEW: ScheduleView = {
  id: 'nightly',
  request: { type: 'backup', storageLocation: 's3://b/c', globalRequest: true },
  schedule: '30 2 * * *',
  timeZone: 'Europe/Berlin',
  window: { start: '01:00', duration: '4h' },
  suspended: false,
  concurrencyPolicy: 'queue',
  catchUp: '10m',
  createdAt: '2026-11-30T00:00:00.000Z',
  updatedAt: '2026-11-30T00:00:00.000Z',
  nextFireTimes: ['2026-12-01T01:30:00.000Z'],
  runs: [],
};

const EMPTY = {
  id: '',
  schedule: '',
  timeZone: '',
  windowStart: '',
  windowDuration: '',
  concurrencyPolicy: '',
  catchUp: '',
  suspended: false,
  request: '',
};

describe('schedules page helpers', () => {
  it('suspends and resumes with the whole current definition, only suspended changed', () => {
    const definition = {
      request: VIEW.request,
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      window: { start: '01:00', duration: '4h' },
      concurrencyPolicy: 'queue',
      catchUp: '10m',
    };
    expect(suspensionBody(VIEW, true)).toEqual({ ...definition, suspended: true });
    expect(suspensionBody({ ...VIEW, suspended: true }, false)).toEqual({ ...definition, suspended: false });
    const { window: _none, ...withoutWindow } = VIEW;
    expect(suspensionBody(withoutWindow, true)).not.toHaveProperty('window');
  });

  it('makes the POST body of the create form: blanks left out, the window when a field of it is filled', () => {
    expect(definitionFromForm({ ...EMPTY, schedule: ' @daily ', request: '{"type":"flush","keyspace":"k"}' })).toEqual({
      definition: { request: { type: 'flush', keyspace: 'k' }, schedule: '@daily' },
    });
    expect(
      definitionFromForm({
        id: 'nightly',
        schedule: '0 2 * * *',
        timeZone: 'Europe/Berlin',
        windowStart: '01:00',
        windowDuration: '',
        concurrencyPolicy: 'queue',
        catchUp: '30m',
        suspended: true,
        request: '{"type":"backup"}',
      }),
    ).toEqual({
      definition: {
        id: 'nightly',
        timeZone: 'Europe/Berlin',
        concurrencyPolicy: 'queue',
        catchUp: '30m',
        request: { type: 'backup' },
        schedule: '0 2 * * *',
        window: { start: '01:00', duration: undefined },
        suspended: true,
      },
    });
    expect(definitionFromForm({ ...EMPTY, schedule: '@daily', request: '{type' }).problem).toMatchObject({ field: 'request' });
  });

  it('sums a request up in one line', () => {
    expect(requestSummary(VIEW.request)).toBe('backup global storageLocation=s3://b/c');
    expect(requestSummary({ type: 'flush', keyspace: 'shop' })).toBe('flush keyspace=shop');
  });
});
