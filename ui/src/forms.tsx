import { FormEvent, ReactNode, useState } from 'react';
import { ApiError, api } from './api';
import { ErrorBox } from './common';
import { openSubmitted } from './OperationsPage';
import { navigate } from './router';

const LOCATION_KEY = 'daedalus.storageLocation';

/** The storage location last looked at, offered again by the forms (not a secret: a bucket URL). */
export const lastLocation = {
  get: (): string => localStorage.getItem(LOCATION_KEY) ?? '',
  set: (location: string): void => localStorage.setItem(LOCATION_KEY, location),
};

/** What the backups list hands the restore form when its Restore… button is pressed. */
let restorePrefill: { storageLocation: string; snapshotTag: string } | undefined;
export function openRestore(prefill: { storageLocation: string; snapshotTag: string }): void {
  restorePrefill = prefill;
  navigate('restore');
}

/** The request fields both forms ask for; blanks are left out so the gateway's defaults apply. */
function requestFields(fields: Record<string, string | boolean>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => (typeof value === 'string' ? value.trim() !== '' : true)));
}

function Text(props: {
  name: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  placeholder?: string;
  required?: boolean;
}) {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        value={props.value}
        placeholder={props.placeholder}
        required={props.required}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}

function Check(props: { name: string; label: ReactNode; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="check">
      <input type="checkbox" name={props.name} checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} /> {props.label}
    </label>
  );
}

/** POST /operations `{type: 'backup', …}`, then the operation's live page. */
export function BackupForm() {
  const [storageLocation, setStorageLocation] = useState(lastLocation.get);
  const [snapshotTag, setSnapshotTag] = useState('');
  const [entities, setEntities] = useState('');
  const [globalRequest, setGlobalRequest] = useState(true);
  const [createMissingBucket, setCreateMissingBucket] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const request = requestFields({ type: 'backup', storageLocation, snapshotTag, entities, globalRequest, createMissingBucket });
      const operation = await api.submit(request);
      lastLocation.set(storageLocation.trim());
      openSubmitted(operation);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <form className="stacked" onSubmit={submit} data-testid="backup-form">
      <h2>Start a backup</h2>
      <Text
        name="storageLocation"
        label="Storage location"
        value={storageLocation}
        onChange={setStorageLocation}
        placeholder="s3://bucket/cluster"
        required
      />
      <Text name="snapshotTag" label="Snapshot tag (optional)" value={snapshotTag} onChange={setSnapshotTag} placeholder="nightly" />
      <Text
        name="entities"
        label="Entities (optional: keyspaces or keyspace.table, comma-separated)"
        value={entities}
        onChange={setEntities}
      />
      <Check name="globalRequest" label="Every node of the cluster (global)" checked={globalRequest} onChange={setGlobalRequest} />
      <Check
        name="createMissingBucket"
        label="Create the bucket if missing"
        checked={createMissingBucket}
        onChange={setCreateMissingBucket}
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Submitting…' : 'Start backup'}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

type Plan = { request: Record<string, unknown>; answer: unknown };

/**
 * A restore is submitted twice: first as a dry run (`dryRun: true`), whose plan is shown; the real request —
 * the same fields — only once that plan has been seen. Editing a field asks for a new plan.
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
  const [strategy, setStrategy] = useState('IN_PLACE');
  const [globalRequest, setGlobalRequest] = useState(true);
  const [plan, setPlan] = useState<Plan | undefined>(undefined);
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
  const planIsCurrent = plan !== undefined && JSON.stringify(plan.request) === JSON.stringify(request);

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
  const dryRun = (event: FormEvent) => {
    event.preventDefault();
    setPlan(undefined);
    void run(async () => setPlan({ request, answer: await api.dryRun(request) }));
  };
  const restore = () => void run(async () => openSubmitted(await api.submit(request)));

  return (
    <form className="stacked" onSubmit={dryRun} data-testid="restore-form">
      <h2>Restore</h2>
      <Text name="storageLocation" label="Storage location" value={storageLocation} onChange={setStorageLocation} required />
      <Text name="snapshotTag" label="Backup (snapshot tag or backup name)" value={snapshotTag} onChange={setSnapshotTag} required />
      <Text name="entities" label="Entities (optional)" value={entities} onChange={setEntities} />
      <label>
        Strategy
        <select name="restorationStrategyType" value={strategy} onChange={(e) => setStrategy(e.target.value)}>
          <option value="IN_PLACE">IN_PLACE</option>
          <option value="IMPORT">IMPORT</option>
          <option value="HARDLINKS">HARDLINKS</option>
        </select>
      </label>
      <Check name="globalRequest" label="Every node of the cluster (global)" checked={globalRequest} onChange={setGlobalRequest} />
      <button type="submit" disabled={busy}>
        Show the plan (dry run)
      </button>
      <ErrorBox error={error} />
      {error instanceof ApiError && error.fieldErrors.some((f) => f.field === 'dryRun') && (
        <p className="muted" data-testid="no-dry-run">
          This gateway cannot plan a restore without running it (no <code>dryRun</code>), so the dashboard will not submit one.
        </p>
      )}
      {planIsCurrent && (
        <div className="plan" data-testid="restore-plan">
          <h3>Plan</h3>
          <p className="muted">What the gateway would do for this request; nothing has started.</p>
          <pre>{JSON.stringify(plan.answer, null, 2)}</pre>
          <button type="button" className="danger" disabled={busy} onClick={restore}>
            Restore as planned
          </button>
        </div>
      )}
    </form>
  );
}
