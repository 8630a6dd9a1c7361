import { FormEvent, ReactNode, useState } from 'react';
import { api } from './api';
import { ErrorBox } from './common';
import { openSubmitted } from './OperationsPage';

const LOCATION_KEY = 'daedalus.storageLocation';

/** The storage location last looked at, offered again by the forms (not a secret: a bucket URL). */
export const lastLocation = {
  get: (): string => localStorage.getItem(LOCATION_KEY) ?? '',
  set: (location: string): void => localStorage.setItem(LOCATION_KEY, location),
};

/** The request fields both forms ask for; blanks are left out so the gateway's defaults apply. */
export function requestFields(fields: Record<string, string | boolean>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => (typeof value === 'string' ? value.trim() !== '' : true)));
}

export function Text(props: {
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

export function Check(props: { name: string; label: ReactNode; checked: boolean; onChange: (v: boolean) => void }) {
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
