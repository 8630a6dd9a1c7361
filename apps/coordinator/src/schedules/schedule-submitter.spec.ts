import { OperationRequest, parseScheduleDefinition } from '@daedalus/contracts';
import { withScheduleWindow } from './schedule-submitter';

function definition(request: Record<string, unknown>, window?: { start: string; duration: string }) {
  return parseScheduleDefinition(
    { id: 'nightly', request, schedule: '@daily', timeZone: 'Europe/Berlin', ...(window ? { window } : {}) },
    () => 'x',
  );
}

describe('a scheduled run carries its schedule window as the operation maintenanceWindow', () => {
  const window = { start: '01:00', duration: '4h' };

  it('adds the window, in the schedule time zone, to a global operation whose nodes take turns', () => {
    const scheduled = definition({ type: 'flush', keyspace: 'ks', globalRequest: true }, window);
    const request = withScheduleWindow(scheduled, scheduled.request);
    expect(request.maintenanceWindow).toEqual({ start: '01:00', duration: '4h', timeZone: 'Europe/Berlin' });
  });

  it('keeps a window the request names itself', () => {
    const own = { start: '03:00', duration: '1h', timeZone: 'UTC' };
    const scheduled = definition({ type: 'flush', keyspace: 'ks', globalRequest: true, maintenanceWindow: own }, window);
    expect(withScheduleWindow(scheduled, scheduled.request).maintenanceWindow).toEqual(own);
  });

  it('leaves a request that takes no window (node-local, or a type that does not run node by node) as defined', () => {
    const local = definition({ type: 'flush', keyspace: 'ks' }, window);
    expect(withScheduleWindow(local, local.request).maintenanceWindow).toBeUndefined();
    const truncate = definition({ type: 'truncate', keyspace: 'ks', table: 't', globalRequest: true }, window);
    expect(withScheduleWindow(truncate, truncate.request).maintenanceWindow).toBeUndefined();
  });

  it('adds nothing without a schedule window', () => {
    const scheduled = definition({ type: 'flush', keyspace: 'ks', globalRequest: true });
    const request: OperationRequest = withScheduleWindow(scheduled, scheduled.request);
    expect(request.maintenanceWindow).toBeUndefined();
  });
});
