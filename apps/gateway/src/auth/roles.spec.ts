import { OPERATION_REQUEST_TYPES } from '@daedalus/contracts';
import { requiredRole } from './access';
import { Principal } from './principal';
import { OPERATION_ROLES, roleAtLeast } from './roles';

const operator: Principal = { method: 'token', name: 'ci-bot', role: 'operator' };

describe('the role table', () => {
  it('places every operation type', () => {
    expect(Object.keys(OPERATION_ROLES).sort()).toEqual(Object.keys(OPERATION_REQUEST_TYPES).sort());
  });

  it.each(['backup', 'commitlog-backup', 'list', 'flush', 'cleanup', 'scrub', 'upgradesstables', 'refresh', 'rebuild'])(
    'lets an operator submit %s',
    (type) => expect(requiredRole({ access: 'submit', body: { type } }, operator).role).toBe('operator'),
  );

  it.each(['restore', 'commitlog-restore', 'import', 'truncate', 'remove-backup', 'decommission', 'drain'])(
    'keeps %s for admins, however the type is spelt',
    (type) => {
      expect(requiredRole({ access: 'submit', body: { type } }, operator)).toEqual({
        role: 'admin',
        what: `submitting a ${type} operation`,
      });
      expect(requiredRole({ access: 'submit', body: { type: ` ${type.toUpperCase()} ` } }, operator).role).toBe('admin');
    },
  );

  it('lets an operator verify, and only an admin verify with deleteOrphans (it deletes from the store)', () => {
    const roleFor = (deleteOrphans: unknown) => requiredRole({ access: 'submit', body: { type: 'Verify', deleteOrphans } }, operator).role;
    expect([undefined, null, false, 'false', ' FALSE ', ''].map(roleFor)).toEqual(Array(6).fill('operator'));
    expect([true, 'true', ' True', 'yes', 1].map(roleFor)).toEqual(Array(5).fill('admin'));
  });

  it('asks at least operator for a body without a known type (validation answers it next)', () => {
    for (const body of [undefined, null, [], 'restore', { type: 7 }, { type: 'nonsense' }]) {
      expect(requiredRole({ access: 'submit', body }, operator).role).toBe('operator');
    }
  });

  it('lets an operator cancel its own operation, and only an admin anyone else’s', () => {
    expect(requiredRole({ access: 'cancel', exists: true, submittedBy: 'token:ci-bot' }, operator).role).toBe('operator');
    expect(requiredRole({ access: 'cancel', exists: true, submittedBy: 'token:other' }, operator)).toEqual({
      role: 'admin',
      what: 'cancelling an operation submitted by token:other',
    });
    expect(requiredRole({ access: 'cancel', exists: true }, operator).role).toBe('admin');
    // the same name by another method is someone else
    expect(requiredRole({ access: 'cancel', exists: true, submittedBy: 'jwt:ci-bot' }, operator).role).toBe('admin');
    expect(requiredRole({ access: 'cancel', exists: false }, operator).role).toBe('operator');
  });

  it('reads are for viewers; resume, node removal and unmarked writes for admins', () => {
    expect(requiredRole({ access: 'read' }, operator).role).toBe('viewer');
    expect(requiredRole({ access: 'resume' }, operator).role).toBe('admin');
    expect(requiredRole({ access: 'remove-node' }, operator).role).toBe('admin');
    expect(requiredRole({ access: undefined }, operator).role).toBe('admin');
  });

  it('orders the roles', () => {
    expect(roleAtLeast('admin', 'operator')).toBe(true);
    expect(roleAtLeast('operator', 'operator')).toBe(true);
    expect(roleAtLeast('viewer', 'operator')).toBe(false);
  });

  it('asks what the scheduled request needs, and operator at least, to define or change a schedule; operator to delete one', () => {
    expect(requiredRole({ access: 'schedule', body: { request: { type: 'flush' }, schedule: '@daily' } }, operator)).toEqual({
      role: 'operator',
      what: 'scheduling a flush operation',
    });
    expect(requiredRole({ access: 'schedule', body: { request: { type: 'Remove-Backup' } } }, operator)).toEqual({
      role: 'admin',
      what: 'scheduling a remove-backup operation',
    });
    for (const body of [undefined, {}, { request: 'restore' }, { request: { type: 'nonsense' } }]) {
      expect(requiredRole({ access: 'schedule', body }, operator).role).toBe('operator');
    }
    expect(requiredRole({ access: 'delete-schedule' }, operator).role).toBe('operator');
  });
});
