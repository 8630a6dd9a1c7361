import { FormEvent, useState } from 'react';
import { api, BackupSummary } from './api';
import { ErrorBox, formatBytes, formatTime } from './common';
import { lastLocation } from './forms';
import { openRestore } from './RestoreForm';

/** The backups under one storage location: GET /backups?storageLocation=…, answered by a node agent. */
export function BackupsPage() {
  const [location, setLocation] = useState(lastLocation.get);
  const [backups, setBackups] = useState<BackupSummary[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const list = async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setBackups(await api.backups(location.trim()));
      lastLocation.set(location.trim());
    } catch (e) {
      setBackups(undefined);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const showVerified = backups?.some((b) => b.verified !== undefined) ?? false;
  return (
    <section>
      <h2>Backups</h2>
      <form className="inline" onSubmit={list}>
        <label>
          Storage location
          <input
            name="storageLocation"
            value={location}
            placeholder="s3://bucket/cluster"
            onChange={(e) => setLocation(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy || location.trim() === ''}>
          {busy ? 'Listing…' : 'List'}
        </button>
      </form>
      <ErrorBox error={error} />
      {backups && (
        <table data-testid="backups">
          <thead>
            <tr>
              <th>Name</th>
              <th>Time</th>
              <th>Scope</th>
              <th>Nodes complete / expected</th>
              <th>Size</th>
              <th>Bytes added</th>
              <th>Complete</th>
              {showVerified && <th>Verified</th>}
              <th />
            </tr>
          </thead>
          <tbody>
            {backups.map((backup) => (
              <tr key={`${backup.cluster}/${backup.name}`} data-backup={backup.name}>
                <td>
                  <code>{backup.name}</code>
                  <div className="muted">{backup.cluster}</div>
                </td>
                <td>{formatTime(backup.time)}</td>
                <td>{backup.scope}</td>
                <td className="nodes-count">
                  {backup.nodesComplete}/{backup.nodesExpected}
                  {backup.partial && <div className="muted">partial (nodes were down)</div>}
                </td>
                <td>{formatBytes(backup.totalBytes)}</td>
                <td>{formatBytes(backup.addedBytes)}</td>
                <td>{backup.complete ? 'yes' : 'no'}</td>
                {showVerified && (
                  <td>
                    {backup.verified ? (
                      <>
                        <span className={`verified ${backup.verified.state}`}>{backup.verified.state}</span> ({backup.verified.mode},{' '}
                        {backup.verified.nodesVerified} nodes)
                        <div className="muted">{formatTime(backup.verified.at)}</div>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                )}
                <td>
                  <button type="button" onClick={() => openRestore({ storageLocation: location.trim(), snapshotTag: backup.name })}>
                    Restore…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {backups?.length === 0 && <p className="muted">No backups under {location}.</p>}
    </section>
  );
}
