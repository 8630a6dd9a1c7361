import { FormEvent, useEffect, useState } from 'react';
import { ApiError, api, FINAL_STATES, OperationView, RestorePlan, restorePlansOf } from './api';
import { ErrorBox, formatBytes, ProgressBar } from './common';
import { Check, lastLocation, requestFields, Text } from './forms';
import { watchOperation } from './live';
import { openSubmitted } from './OperationsPage';
import { navigate } from './router';

/** What the backups list hands the restore form when its Restore… button is pressed. */
let restorePrefill: { storageLocation: string; snapshotTag: string } | undefined;
export function openRestore(prefill: { storageLocation: string; snapshotTag: string }): void {
  restorePrefill = prefill;
  navigate('restore');
}

/** A dry run submitted for these request fields, and where it stands. */
type DryRun = { request: Record<string, unknown>; view: OperationView };

/**
 * A restore is submitted twice: first the same request with `dryRun: true` — an operation of its own whose
 * PLAN phase changes nothing and answers each node's plan — and only once that plan is shown and COMPLETED, the
 * real request with the very same fields. Editing a field asks for a new plan. A gateway that refuses the dry
 * run (400 naming `dryRun`) gets no restore from this page.
 */
export function RestoreForm() {
  const [prefill] = useState(() => {
    const taken = restorePrefill;
    restorePrefill = undefined;
    return taken;
  });
  const [storageLocation, setStorageLocation] = useState(prefill?.storageLocation ?? lastLocation.get());
  const [snapshotTag, setSnapshotTag] = useState(prefill?.snapshotTag ?? '');
  const [entities, setEntities] = useState('');
  const [strategy, setStrategy] = useState('IMPORT');
  const [globalRequest, setGlobalRequest] = useState(true);
  const [dryRun, setDryRun] = useState<DryRun | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const request = requestFields({
    type: 'restore',
    storageLocation,
    snapshotTag,
    entities,
    restorationStrategyType: strategy,
    globalRequest,
  });
  const current = dryRun !== undefined && JSON.stringify(dryRun.request) === JSON.stringify(request) ? dryRun : undefined;
  const dryRunId = dryRun?.view.id;

  // the dry run is followed live until it ends, like any operation
  useEffect(() => {
    if (!dryRunId) return;
    const abort = new AbortController();
    watchOperation(
      dryRunId,
      { onView: (view) => setDryRun((d) => (d && d.view.id === view.id ? { ...d, view } : d)), onError: setError },
      abort.signal,
    );
    return () => abort.abort();
  }, [dryRunId]);

  const run = async (step: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await step();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const plan = (event: FormEvent) => {
    event.preventDefault();
    setDryRun(undefined);
    void run(async () => setDryRun({ request, view: await api.dryRun(request) }));
  };
  const restore = () => void run(async () => openSubmitted(await api.submit(request)));
  const refusedDryRun = error instanceof ApiError && error.fieldErrors.some((f) => f.field === 'dryRun');

  return (
    <>
      <form className="stacked" onSubmit={plan} data-testid="restore-form">
        <h2>Restore</h2>
        <Text name="storageLocation" label="Storage location" value={storageLocation} onChange={setStorageLocation} required />
        <Text name="snapshotTag" label="Backup (snapshot tag or backup name)" value={snapshotTag} onChange={setSnapshotTag} required />
        <Text name="entities" label="Entities (optional)" value={entities} onChange={setEntities} />
        <label>
          Strategy
          <select name="restorationStrategyType" value={strategy} onChange={(e) => setStrategy(e.target.value)}>
            <option value="IMPORT">IMPORT</option>
            <option value="HARDLINKS">HARDLINKS</option>
            <option value="IN_PLACE">IN_PLACE</option>
          </select>
        </label>
        <Check name="globalRequest" label="Every node of the cluster (global)" checked={globalRequest} onChange={setGlobalRequest} />
        <button type="submit" disabled={busy}>
          Show the plan (dry run)
        </button>
        <ErrorBox error={error} />
        {refusedDryRun && (
          <p className="muted" data-testid="no-dry-run">
            The gateway refused the dry run, so this page will not submit the restore: it restores only what it has shown a plan for.
          </p>
        )}
      </form>
      {current && <PlanView view={current.view} busy={busy} onRestore={restore} />}
    </>
  );
}

function PlanView({ view, busy, onRestore }: { view: OperationView; busy: boolean; onRestore: () => void }) {
  const plans = restorePlansOf(view);
  return (
    <div className="plan" data-testid="restore-plan" data-state={view.state}>
      <h3>
        Plan <span className={`state ${view.state}`}>{view.state}</span> <ProgressBar value={view.progress} />
      </h3>
      <p className="muted">
        Dry run <code>{view.id}</code>: each node checked what its restore would do; nothing was changed.
      </p>
      {view.errors.length > 0 && (
        <div className="error">
          <strong>The restore would fail</strong>
          <ul>
            {view.errors.map((e, i) => (
              <li key={i}>
                {e.source}: {e.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {plans && (
        <table>
          <thead>
            <tr>
              <th>Node</th>
              <th>Backup</th>
              <th>Tables</th>
              <th>Truncated first</th>
              <th>To fetch</th>
              <th>Free after (reserve)</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(plans).map(([hostId, p]) => (
              <PlanRow key={hostId} hostId={hostId} plan={p} />
            ))}
          </tbody>
        </table>
      )}
      {view.state === 'COMPLETED' && plans && (
        <button type="button" className="danger" disabled={busy} onClick={onRestore}>
          Restore as planned
        </button>
      )}
      {FINAL_STATES.has(view.state) && view.state !== 'COMPLETED' && <p>No restore from a plan that did not complete.</p>}
    </div>
  );
}

function PlanRow({ hostId, plan }: { hostId: string; plan: RestorePlan }) {
  return (
    <tr>
      <td>
        <code>{hostId}</code>
      </td>
      <td>
        <code>{plan.backupName}</code> ({plan.strategy})
      </td>
      <td>{plan.tables.map((t) => `${t.keyspace}.${t.target}`).join(', ')}</td>
      <td>{plan.truncated.join(', ') || '—'}</td>
      <td>
        {plan.download.fetchFiles} files, {formatBytes(plan.download.fetchBytes)}
      </td>
      <td>
        {plan.filesystems.map((f) => (
          <div key={f.path}>
            {formatBytes(f.freeAfterBytes)} ({formatBytes(f.reserveBytes)}) <div className="muted">{f.path}</div>
          </div>
        ))}
      </td>
    </tr>
  );
}
