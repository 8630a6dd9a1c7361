import { plainToInstance } from 'class-transformer';
import { FlushRequest } from '@daedalus/contracts';
import { planTargets, RegisteredNode } from './target-planner';
import { registration } from './test-fixtures';

const fresh = (hostId: string, dc = 'dc1'): RegisteredNode => ({ registration: registration(hostId, dc), heartbeatAgeMs: 1000 });
const flush = (fields: Partial<FlushRequest>) => plainToInstance(FlushRequest, { type: 'flush', keyspace: 'ks', ...fields });

describe('planTargets', () => {
  const nodes = [fresh('h3', 'dc2'), fresh('h1'), fresh('h2')];

  it('takes every node for a global request, ordered by dc then host', () => {
    const plan = planTargets(flush({ globalRequest: true }), nodes, 10_000);
    expect(plan).toEqual({ ok: true, targets: expect.any(Array) });
    if (plan.ok) expect(plan.targets.map((t) => t.hostId)).toEqual(['h1', 'h2', 'h3']);
  });

  it('limits a global request to its dc', () => {
    const plan = planTargets(flush({ globalRequest: true, dc: 'dc2' }), nodes, 10_000);
    expect(plan.ok && plan.targets.map((t) => t.hostId)).toEqual(['h3']);
  });

  it('fails a global request for an empty dc', () => {
    expect(planTargets(flush({ globalRequest: true, dc: 'dc9' }), nodes, 10_000)).toEqual({
      ok: false,
      error: 'no registered nodes in dc "dc9"',
    });
  });

  it('refuses to start when a target is not heartbeating, naming it', () => {
    const stale = { registration: registration('h9'), heartbeatAgeMs: 60_000 };
    const plan = planTargets(flush({ globalRequest: true }), [...nodes, stale], 10_000);
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.error).toContain('h9 (10.0.0.9) last seen 60 s ago');
  });

  it('targets a local request by host ID, then by address', () => {
    const byHost = planTargets(flush({ hostId: 'h2' }), nodes, 10_000);
    expect(byHost.ok && byHost.targets.map((t) => t.hostId)).toEqual(['h2']);
    const byAddress = planTargets(flush({ address: '10.0.0.3' }), nodes, 10_000);
    expect(byAddress.ok && byAddress.targets.map((t) => t.hostId)).toEqual(['h3']);
  });

  it('targets the only node when a local request names none', () => {
    const plan = planTargets(flush({}), [fresh('h1')], 10_000);
    expect(plan.ok && plan.targets.map((t) => t.hostId)).toEqual(['h1']);
  });

  it('refuses an ambiguous local request', () => {
    expect(planTargets(flush({}), nodes, 10_000)).toEqual({
      ok: false,
      error: 'request is not global and names no node (hostId or address), and 3 nodes are registered',
    });
  });

  it('refuses an unknown host ID', () => {
    expect(planTargets(flush({ hostId: 'nope' }), nodes, 10_000)).toEqual({ ok: false, error: 'node nope is not registered' });
  });
});
