import { plainToInstance } from 'class-transformer';
import { BackupRequest, FlushRequest } from '@daedalus/contracts';
import { planTargets, RegisteredNode } from './target-planner';
import { registration } from './test-fixtures';

const fresh = (hostId: string, dc = 'dc1'): RegisteredNode => ({ registration: registration(hostId, dc), heartbeatAgeMs: 1000 });
const flush = (fields: Partial<FlushRequest>) => plainToInstance(FlushRequest, { type: 'flush', keyspace: 'ks', ...fields });

describe('planTargets', () => {
  const nodes = [fresh('h3', 'dc2'), fresh('h1'), fresh('h2')];

  it('takes every node for a global request, ordered by dc then host', () => {
    const plan = planTargets(flush({ globalRequest: true }), nodes, 10_000);
    expect(plan).toEqual({ ok: true, targets: expect.any(Array), missing: [] });
    if (plan.ok) expect(plan.targets.map((t) => t.hostId)).toEqual(['h1', 'h2', 'h3']);
  });

  it('limits a global request to its dc', () => {
    const plan = planTargets(flush({ globalRequest: true, dc: 'dc2' }), nodes, 10_000);
    expect(plan.ok && plan.targets.map((t) => t.hostId)).toEqual(['h3']);
  });

  it('takes several data centers from a comma-separated dc (Icarus), refusing one without nodes', () => {
    const three = [...nodes, fresh('h4', 'dc3')];
    const plan = planTargets(flush({ globalRequest: true, dc: 'dc2, dc3' }), three, 10_000);
    expect(plan.ok && plan.targets.map((t) => t.hostId)).toEqual(['h3', 'h4']);
    expect(planTargets(flush({ globalRequest: true, dc: 'dc2,dc9' }), three, 10_000)).toEqual({
      ok: false,
      error: 'no registered nodes in dc "dc9"',
    });
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

describe('planTargets with nodes that come and go', () => {
  const ringOf = (...hostIds: string[]) => ({
    members: Object.fromEntries(hostIds.map((h) => [h, `10.0.0.${h.slice(-1)}`])),
    readAt: new Date(1).toISOString(),
  });
  const member = (hostId: string, members: string[], age = 1000): RegisteredNode => ({
    registration: { ...registration(hostId), ring: ringOf(...members) },
    heartbeatAgeMs: age,
  });
  const backup = (fields: Partial<BackupRequest>) =>
    plainToInstance(BackupRequest, { type: 'backup', storageLocation: 's3://b', globalRequest: true, ...fields });

  it('leaves a departed node out of a global request, even when it is silent', () => {
    const nodes = [member('h1', ['h1', 'h2']), member('h2', ['h1', 'h2']), { registration: registration('h3'), heartbeatAgeMs: 600_000 }];
    const plan = planTargets(backup({}), nodes, 10_000);
    expect(plan.ok && plan.targets.map((t) => t.hostId)).toEqual(['h1', 'h2']);
    const decommissioned = { registration: { ...registration('h4'), operationMode: 'DECOMMISSIONED' }, heartbeatAgeMs: 500 };
    expect(planTargets(flush({ globalRequest: true }), [...nodes, decommissioned], 10_000)).toMatchObject({ ok: true, missing: [] });
  });

  it('refuses a request naming a departed node, saying how to remove it', () => {
    const nodes = [member('h1', ['h1']), { registration: registration('h3'), heartbeatAgeMs: 600_000 }];
    const plan = planTargets(flush({ hostId: 'h3' }), nodes, 10_000);
    expect(!plan.ok && plan.error).toMatch(
      /^node h3 \(10\.0\.0\.3\) has left the ring \(no longer in the token ring .*\); remove it with DELETE \/nodes\/h3$/,
    );
  });

  it('goes on without the down nodes only for a global backup with skipDownNodes, naming them as missing', () => {
    const nodes = [member('h1', ['h1', 'h2', 'h3']), member('h2', ['h1', 'h2', 'h3']), member('h3', ['h1', 'h2', 'h3'], 60_000)];
    expect(planTargets(backup({}), nodes, 10_000)).toMatchObject({
      ok: false,
      error: expect.stringContaining('h3 (10.0.0.3) last seen 60 s ago'),
    });
    expect(planTargets(flush({ globalRequest: true }), nodes, 10_000).ok).toBe(false);
    const plan = planTargets(backup({ skipDownNodes: true }), nodes, 10_000);
    expect(plan).toMatchObject({ ok: true, missing: [{ hostId: 'h3', address: '10.0.0.3', dc: 'dc1' }] });
    expect(plan.ok && plan.targets.map((t) => t.hostId)).toEqual(['h1', 'h2']);
  });

  it('counts a ring member without an agent as down for a global backup', () => {
    const nodes = [member('h1', ['h1', 'h2', 'h7']), member('h2', ['h1', 'h2', 'h7'])];
    const plan = planTargets(backup({}), nodes, 10_000);
    expect(!plan.ok && plan.error).toContain('h7 (10.0.0.7) in the token ring (seen by h1) but no agent is registered for it');
    expect(planTargets(backup({ skipDownNodes: true }), nodes, 10_000)).toMatchObject({ ok: true, missing: [{ hostId: 'h7', dc: '' }] });
    // other operations never ran on nodes without agents: they plan as before
    expect(planTargets(flush({ globalRequest: true }), nodes, 10_000).ok).toBe(true);
  });

  it('refuses skipDownNodes when every node is down', () => {
    const nodes = [{ registration: registration('h1'), heartbeatAgeMs: 60_000 }];
    expect(planTargets(backup({ skipDownNodes: true }), nodes, 10_000)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^every node is down/),
    });
  });
});
