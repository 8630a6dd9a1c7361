/**
 * The sidecar's command line: the node agent's flags, then `--gateway` and the gateway's flags. Each half is
 * read by that service's own config class (with its `--help`), so the sidecar adds no flag of its own and a flag
 * given to the wrong half is refused by that half, never silently dropped. Environment variables (NATS_*,
 * DAEDALUS_*) reach both processes.
 */
export const GATEWAY_MARKER = '--gateway';

export interface SidecarArgs {
  agent: string[];
  gateway: string[];
  help: boolean;
}

export function splitSidecarArgs(argv: readonly string[]): SidecarArgs {
  const at = argv.indexOf(GATEWAY_MARKER);
  const agent = at < 0 ? [...argv] : argv.slice(0, at);
  const gateway = at < 0 ? [] : argv.slice(at + 1);
  const help = agent.some((a) => a === '--help' || a === '-h') && at < 0;
  return { agent, gateway, help };
}

/**
 * The gateway's flags with `--local-node` set to the agent's host ID, unless the operator chose a local node.
 * This is what makes a request without hostId/address/globalRequest run on the node this sidecar stands beside.
 */
export function withLocalNode(gateway: readonly string[], hostId: string): string[] {
  const chosen = gateway.some((a) => a === '--local-node' || a.startsWith('--local-node='));
  return chosen ? [...gateway] : [...gateway, '--local-node', hostId];
}

export const SIDECAR_USAGE = `Usage: daedalus sidecar [node agent flags] --gateway [gateway flags]

Runs the node agent and the gateway of one Cassandra node together, as Icarus's sidecar does: the gateway
starts once the agent has found its node, and its local node (--local-node) is that node's host ID unless
given. If either process ends, the other is stopped and the sidecar exits with a failure, so that a container
or Kubernetes restarts the pair. SIGTERM/SIGINT stop both cleanly.
Flags of each half: node dist/apps/node-agent/src/main.js --help, node dist/apps/gateway/src/main.js --help.
`;
