import { NodeRegistration } from './messages';
import { nodeStandings, RegistrationView } from './membership';

const STARTED = '2026-01-01T00:00:00.000Z';
const READ = '2026-01-01T00:05:00.000Z';

function node(hostId: string, fields: Partial<NodeRegistration> = {}, heartbeatAgeMs = 1000): RegistrationView {
  const registration = {
    hostId,
    address: `10.0.0.${hostId.slice(-1)}`,
    dc: 'dc1',
    clusterName: 'c',
    operationMode: 'NORMAL',
    startedAt: STARTED,
    ...fields,
  } as NodeRegistration;
  return { registration, heartbeatAgeMs };
}
const ring = (...hostIds: string[]) => ({ members: Object.fromEntries(hostIds.map((h) => [h, `10.0.0.${h.slice(-1)}`])), readAt: READ });
const states = (views: RegistrationView[]) => Object.fromEntries(nodeStandings(views, 10_000).map((s) => [s.hostId, s.state]));

describe('nodeStandings', () => {
  it('is live while heartbeating, down once silent', () => {
    expect(states([node('h1', { ring: ring('h1', 'h2') }), node('h2', { ring: ring('h1', 'h2') }, 60_000)])).toEqual({
      h1: 'live',
      h2: 'down',
    });
  });

  it('marks a node departed when it reports DECOMMISSIONED, heartbeating or not', () => {
    const views = [
      node('h1', { ring: ring('h1') }),
      node('h2', { operationMode: 'DECOMMISSIONED' }),
      node('h3', { operationMode: 'DECOMMISSIONED' }, 60_000),
    ];
    const standings = nodeStandings(views, 10_000);
    expect(standings.map((s) => s.state)).toEqual(['live', 'departed', 'departed']);
    expect(standings[1].reason).toBe('Cassandra reports it DECOMMISSIONED');
  });

  it('marks a silent node departed when the live nodes no longer list it in their ring (removed or replaced)', () => {
    const views = [node('h1', { ring: ring('h1', 'h4') }), node('h4', { ring: ring('h1', 'h4') }), node('h3', {}, 60_000)];
    const standings = nodeStandings(views, 10_000);
    expect(states(views)).toEqual({ h1: 'live', h3: 'departed', h4: 'live' });
    expect(standings.find((s) => s.hostId === 'h3')?.reason).toBe('no longer in the token ring (as seen by h1 (10.0.0.1), h4 (10.0.0.4))');
  });

  it('keeps a node that any live node still lists, or that sees itself in the ring, and ignores views older than its agent', () => {
    const lagging = [node('h1', { ring: ring('h1', 'h3') }), node('h2', { ring: ring('h1', 'h2') }), node('h3', {}, 60_000)];
    expect(states(lagging).h3).toBe('down');
    const selfSeen = [node('h1', { ring: ring('h1') }), node('h3', { ring: ring('h1', 'h3') })];
    expect(states(selfSeen).h3).toBe('live');
    const stale = [node('h1', { ring: { ...ring('h1'), readAt: '2025-12-31T00:00:00.000Z' } }), node('h3', {}, 60_000)];
    expect(states(stale).h3).toBe('down');
  });

  it('takes no ring view from a node that is silent, not NORMAL, or of another cluster', () => {
    const views = [
      node('h1', { ring: ring('h1') }, 60_000),
      node('h2', { ring: ring('h2'), operationMode: 'DRAINED' }),
      node('h5', { ring: ring('h5'), clusterName: 'other' }),
      node('h3', {}, 60_000),
    ];
    expect(states(views).h3).toBe('down');
  });

  it('lists a ring member no agent registered as down', () => {
    const standings = nodeStandings([node('h1', { ring: ring('h1', 'h7') })], 10_000);
    expect(standings.find((s) => s.hostId === 'h7')).toEqual({
      hostId: 'h7',
      address: '10.0.0.7',
      state: 'down',
      registered: false,
      reason: 'in the token ring (seen by h1) but no agent is registered for it',
    });
  });
});
