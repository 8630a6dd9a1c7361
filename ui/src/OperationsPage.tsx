import { useEffect, useState } from 'react';
import { ApiError, api, backupNameOf, FINAL_STATES, OperationView } from './api';
import { navigate } from './router';
import { ErrorBox, formatTime, ProgressBar, useLoad } from './common';
import { watchOperation } from './live';

const LIST_REFRESH_MS = 2_000;

/** The operations, newest first (GET /operations), refreshed while the page is open. */
export function OperationsPage() {
  const operations = useLoad(() => api.operations(), [], LIST_REFRESH_MS);
  return (
    <section>
      <h2>Operations</h2>
      <ErrorBox error={operations.error} />
      <table data-testid="operations">
        <thead>
          <tr>
            <th>Type</th>
            <th>State</th>
            <th>Progress</th>
            <th>Created</th>
            <th>Submitted by</th>
            <th>Id</th>
          </tr>
        </thead>
        <tbody>
          {(operations.data ?? []).map((op) => (
            <tr key={op.id}>
              <td>{op.type}</td>
              <td>
                <span className={`state ${op.state}`}>{op.state}</span>
              </td>
              <td>
                <ProgressBar value={op.progress} />
              </td>
              <td>{formatTime(op.creationTime)}</td>
              <td>{op.submittedBy ?? '—'}</td>
              <td>
                <a
                  href={`/ui/operations/${op.id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`operations/${op.id}`);
                  }}
                >
                  <code>{op.id}</code>
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The view the page starts from when it has just been submitted (saves a round trip, shows PENDING at once). */
let submitted: OperationView | undefined;
export function openSubmitted(view: OperationView): void {
  submitted = view;
  navigate(`operations/${view.id}`);
}

/** One operation, live: every change the gateway streams (or, without the stream, a poll each second). */
export function OperationPage({ id }: { id: string }) {
  const [view, setView] = useState<OperationView | undefined>(submitted?.id === id ? submitted : undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [mode, setMode] = useState<'stream' | 'polling' | undefined>(undefined);

  useEffect(() => {
    const abort = new AbortController();
    watchOperation(
      id,
      {
        onView: (next) => {
          setView(next);
          setError(undefined);
        },
        onError: setError,
        onMode: setMode,
      },
      abort.signal,
    );
    return () => abort.abort();
  }, [id]);

  if (!view) {
    return (
      <section>
        <h2>Operation {id}</h2>
        {error ? <ErrorBox error={error} /> : <p className="muted">Loading…</p>}
      </section>
    );
  }
  const backupName = view.type === 'backup' ? backupNameOf(view) : undefined;
  return (
    <section data-testid="operation" data-operation-id={view.id}>
      <h2>
        {view.type} <code>{view.id}</code>
      </h2>
      <p>
        <span className={`state ${view.state}`} data-testid="operation-state">
          {view.state}
        </span>{' '}
        <ProgressBar value={view.progress} />
        {view.phase && <> phase {view.phase}</>}
        {view.cancelRequested && !FINAL_STATES.has(view.state) && <> · cancel requested</>}
      </p>
      <p className="muted">
        created {formatTime(view.creationTime)} · started {formatTime(view.startTime)} · ended {formatTime(view.completionTime)}
        {view.submittedBy && <> · by {view.submittedBy}</>}
        {mode && <> · live updates by {mode === 'stream' ? 'event stream' : 'polling every second'}</>}
      </p>
      {backupName && (
        <p>
          Backup name: <code data-testid="backup-name">{backupName}</code>
        </p>
      )}
      {view.phases && <p className="muted">Phases: {view.phases.map((p) => (p === view.phase ? `[${p}]` : p)).join(' → ')}</p>}
      <ErrorBox error={error} />
      {!FINAL_STATES.has(view.state) && <CancelButton id={view.id} onCancelled={setView} />}
      <table data-testid="operation-nodes">
        <thead>
          <tr>
            <th>Node</th>
            <th>DC</th>
            <th>Phase</th>
            <th>State</th>
            <th>Progress</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {view.nodes.map((node) => (
            <tr key={node.hostId}>
              <td>
                {node.address} <div className="muted">{node.hostId}</div>
              </td>
              <td>{node.dc}</td>
              <td>{node.phase ?? '—'}</td>
              <td>
                <span className={`state ${node.state}`}>{node.state}</span>
              </td>
              <td>
                <ProgressBar value={node.progress} />
              </td>
              <td>{node.message ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {view.errors.length > 0 && (
        <div className="error" data-testid="operation-errors">
          <strong>Errors</strong>
          <ul>
            {view.errors.map((e, i) => (
              <li key={i}>
                {e.source}: {e.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** Two clicks, so a stray one does not stop a restore halfway: DELETE /operations/{id}. */
function CancelButton({ id, onCancelled }: { id: string; onCancelled: (view: OperationView) => void }) {
  const [armed, setArmed] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const cancel = async () => {
    try {
      onCancelled(await api.cancel(id));
    } catch (e) {
      setError(e);
    }
    setArmed(false);
  };
  return (
    <div className="actions">
      {armed ? (
        <>
          <button type="button" className="danger" onClick={cancel}>
            Confirm: cancel this operation
          </button>{' '}
          <button type="button" onClick={() => setArmed(false)}>
            Keep it running
          </button>
        </>
      ) : (
        <button type="button" onClick={() => setArmed(true)}>
          Cancel operation…
        </button>
      )}
      <ErrorBox error={error} />
    </div>
  );
}
