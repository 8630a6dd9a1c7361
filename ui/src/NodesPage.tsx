import { api, OperationView } from './api';
import { ErrorBox, formatAge, formatTime, useLoad } from './common';

const REFRESH_MS = 5_000;

/** Each node's newest completed backup (or verify), from the operations (newest first) that reached it. */
function lastCompletedByHost(completed: OperationView[]): Map<string, string> {
  const last = new Map<string, string>();
  for (const operation of completed) {
    for (const node of operation.nodes) {
      const at = node.completionTime ?? operation.completionTime;
      if (at && node.state === 'COMPLETED' && !last.has(node.hostId)) last.set(node.hostId, at);
    }
  }
  return last;
}

/** The cluster and its nodes: GET /topology (its name), GET /nodes, and the completed backups. */
export function NodesPage() {
  const nodes = useLoad(() => api.nodes(), [], REFRESH_MS);
  const topology = useLoad(() => api.topology(), []);
  const backups = useLoad(() => api.operations({ type: 'backup', state: 'COMPLETED' }), [], REFRESH_MS);
  // a gateway without the verify operation refuses the type (400): then there is no verify column
  const verifies = useLoad(() => api.operations({ type: 'verify', state: 'COMPLETED' }), [], REFRESH_MS);
  const lastBackup = lastCompletedByHost(backups.data ?? []);
  const lastVerify = verifies.data ? lastCompletedByHost(verifies.data) : undefined;

  return (
    <section>
      <h2>Cluster {topology.data?.clusterName ?? ''}</h2>
      <p className="muted">Refreshed every {REFRESH_MS / 1000} s. Versions as each node's agent last registered them.</p>
      <ErrorBox error={nodes.error ?? topology.error ?? backups.error} />
      <table data-testid="nodes">
        <thead>
          <tr>
            <th>Address</th>
            <th>Host ID</th>
            <th>DC / rack</th>
            <th>State</th>
            <th>Mode</th>
            <th>Cassandra / agent</th>
            <th>Heartbeat age</th>
            <th>Last successful backup</th>
            {lastVerify && <th>Last successful verify</th>}
          </tr>
        </thead>
        <tbody>
          {(nodes.data ?? []).map((node) => (
            <tr key={node.hostId}>
              <td>{node.address}</td>
              <td>
                <code>{node.hostId}</code>
              </td>
              <td>
                {node.dc ?? '—'} / {node.rack ?? '—'}
              </td>
              <td>
                <span className={`state ${node.state}`}>{node.state}</span>
                {node.reason && <div className="muted">{node.reason}</div>}
                {!node.registered && <div className="muted">no agent registered</div>}
              </td>
              <td>{node.operationMode ?? '—'}</td>
              <td>
                {node.cassandraVersion ?? '—'} / {node.agentVersion ?? '—'}
              </td>
              <td>{formatAge(node.heartbeatAgeMs)}</td>
              <td className="last-backup">{formatTime(lastBackup.get(node.hostId))}</td>
              {lastVerify && <td className="last-verify">{formatTime(lastVerify.get(node.hostId))}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {nodes.data?.length === 0 && <p className="muted">No node has registered.</p>}
    </section>
  );
}
