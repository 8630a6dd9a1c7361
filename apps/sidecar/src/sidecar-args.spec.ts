import { isAgentReady } from './supervisor';
import { splitSidecarArgs, withLocalNode } from './sidecar-args';

describe('sidecar command line', () => {
  it('gives the flags before --gateway to the agent and the rest to the gateway', () => {
    const args = splitSidecarArgs(['--jmx-service', 'cassandra:7199', '--gateway', '--http-host', '0.0.0.0']);
    expect(args).toEqual({ agent: ['--jmx-service', 'cassandra:7199'], gateway: ['--http-host', '0.0.0.0'], help: false });
  });

  it('shows its own usage for --help without a gateway part, leaving each half its own --help otherwise', () => {
    expect(splitSidecarArgs(['--help']).help).toBe(true);
    expect(splitSidecarArgs(['--gateway', '--help'])).toEqual({ agent: [], gateway: ['--help'], help: false });
  });

  it("makes the agent's node the local node unless the operator chose one", () => {
    expect(withLocalNode(['--http-port', '4567'], 'h1')).toEqual(['--http-port', '4567', '--local-node', 'h1']);
    expect(withLocalNode(['--local-node', '10.0.0.9'], 'h1')).toEqual(['--local-node', '10.0.0.9']);
    expect(withLocalNode(['--local-node=10.0.0.9'], 'h1')).toEqual(['--local-node=10.0.0.9']);
  });

  it('takes only a well-formed ready message from the agent', () => {
    expect(isAgentReady({ daedalus: 'agent-ready', hostId: 'h1' })).toBe(true);
    expect(isAgentReady({ daedalus: 'agent-ready', hostId: '' })).toBe(false);
    expect(isAgentReady({ daedalus: 'other', hostId: 'h1' })).toBe(false);
    expect(isAgentReady(null)).toBe(false);
  });
});
