import { FormEvent, ReactNode, useState } from 'react';
import { api, ScheduleRun, ScheduleView } from './api';
import { ErrorBox, formatTime, useLoad } from './common';
import { Check, Text } from './forms';
import { navigate } from './router';
import { definitionFromForm, requestSummary, suspensionBody } from './schedules';

const REFRESH_MS = 5_000;
/** runs and fire times shown per schedule in the list (the schedule's own page shows all it has) */
const LIST_SHOWN = 3;

function Link({ to, children }: { to: string; children: ReactNode }) {
  return (
    <a
      href={`/ui/${to}`}
      onClick={(e) => {
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

function When({ view }: { view: ScheduleView }) {
  return (
    <>
      <code>{view.schedule}</code> ({view.timeZone})
      {view.window && (
        <div className="muted">
          window {view.window.start} for {view.window.duration}
        </div>
      )}
    </>
  );
}

function ScheduleState({ view }: { view: ScheduleView }) {
  return <span className={`schedule-state ${view.suspended ? 'suspended' : 'active'}`}>{view.suspended ? 'suspended' : 'active'}</span>;
}

/** A run: its fire time, what the scheduler decided, and the operation it submitted (linked) with its state. */
function RunLine({ run }: { run: ScheduleRun }) {
  return (
    <li className="run" data-operation-id={run.operationId}>
      {formatTime(run.fireTime)} <span className={`run-state ${run.state}`}>{run.state}</span>
      {run.state === 'submitted' && (
        <>
          {' '}
          <Link to={`operations/${run.operationId}`}>
            <code>{run.operationId.slice(0, 8)}</code>
          </Link>
          {run.operationState && (
            <>
              {' '}
              <span className={`state ${run.operationState}`}>{run.operationState}</span>
            </>
          )}
        </>
      )}
    </li>
  );
}

/**
 * Suspend / resume (PUT with the whole definition and `suspended` toggled) and delete (two clicks). The
 * gateway decides who may: its 403 names the role needed.
 */
function ScheduleActions({
  view,
  onChanged,
  onDeleted,
}: {
  view: ScheduleView;
  onChanged: (v: ScheduleView) => void;
  onDeleted: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [armed, setArmed] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setArmed(false);
    }
  };
  const toggle = () => act(async () => onChanged(await api.replaceSchedule(view.id, suspensionBody(view, !view.suspended))));
  const remove = () =>
    act(async () => {
      await api.deleteSchedule(view.id);
      onDeleted();
    });
  return (
    <div className="actions">
      <button type="button" disabled={busy} onClick={toggle}>
        {view.suspended ? 'Resume' : 'Suspend'}
      </button>{' '}
      {armed ? (
        <>
          <button type="button" className="danger" disabled={busy} onClick={remove}>
            Confirm: delete {view.id}
          </button>{' '}
          <button type="button" onClick={() => setArmed(false)}>
            Keep it
          </button>
        </>
      ) : (
        <button type="button" onClick={() => setArmed(true)}>
          Delete…
        </button>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

/** Every schedule (GET /schedules, refreshed): what it submits, when, its next and newest runs, and the actions. */
export function SchedulesPage() {
  const schedules = useLoad(() => api.schedules(), [], REFRESH_MS);
  return (
    <section>
      <h2>Schedules</h2>
      <p className="muted">
        Operation requests submitted at each fire time. Refreshed every {REFRESH_MS / 1000} s. <Link to="schedules/new">New schedule…</Link>
      </p>
      <ErrorBox error={schedules.error} />
      <table data-testid="schedules">
        <thead>
          <tr>
            <th>Id</th>
            <th>Operation</th>
            <th>When</th>
            <th>State</th>
            <th>Next runs</th>
            <th>Last runs</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(schedules.data ?? []).map((view) => (
            <tr key={view.id} data-schedule={view.id}>
              <td>
                <Link to={`schedules/${view.id}`}>
                  <code>{view.id}</code>
                </Link>
              </td>
              <td>{requestSummary(view.request)}</td>
              <td>
                <When view={view} />
              </td>
              <td>
                <ScheduleState view={view} />
              </td>
              <td className="next-runs">
                {view.nextFireTimes.length === 0 ? (
                  '—'
                ) : (
                  <ul>
                    {view.nextFireTimes.slice(0, LIST_SHOWN).map((time) => (
                      <li key={time}>{formatTime(time)}</li>
                    ))}
                  </ul>
                )}
              </td>
              <td className="last-runs">
                {view.runs.length === 0 ? (
                  '—'
                ) : (
                  <ul>
                    {view.runs
                      .slice(-LIST_SHOWN)
                      .reverse()
                      .map((run) => (
                        <RunLine key={run.fireTime} run={run} />
                      ))}
                  </ul>
                )}
              </td>
              <td>
                <ScheduleActions view={view} onChanged={schedules.reload} onDeleted={schedules.reload} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {schedules.data?.length === 0 && <p className="muted">No schedules.</p>}
    </section>
  );
}

/** One schedule (GET /schedules/{id}): its definition, the next fire times, every run kept with its operation's state. */
export function SchedulePage({ id }: { id: string }) {
  const loaded = useLoad(() => api.schedule(id), [id], REFRESH_MS);
  const [changed, setChanged] = useState<ScheduleView | undefined>(undefined);
  // an answer newer than the last load (a suspend just made) wins until the next load
  const view = changed && (!loaded.data || changed.updatedAt > loaded.data.updatedAt) ? changed : loaded.data;
  if (!view) {
    return (
      <section>
        <h2>Schedule {id}</h2>
        {loaded.error ? <ErrorBox error={loaded.error} /> : <p className="muted">Loading…</p>}
      </section>
    );
  }
  return (
    <section data-testid="schedule" data-schedule={view.id}>
      <h2>
        Schedule <code>{view.id}</code> <ScheduleState view={view} />
      </h2>
      <p>
        {requestSummary(view.request)} at <When view={view} />
      </p>
      <p className="muted">
        concurrency {view.concurrencyPolicy} · catch-up {view.catchUp} · created {formatTime(view.createdAt)}
        {view.createdBy && <> by {view.createdBy}</>} · changed {formatTime(view.updatedAt)}
      </p>
      <ScheduleActions
        view={view}
        onChanged={(next) => {
          setChanged(next);
          loaded.reload();
        }}
        onDeleted={() => navigate('schedules')}
      />
      <ErrorBox error={loaded.error} />
      <h3>Next runs</h3>
      {view.nextFireTimes.length === 0 ? (
        <p className="muted" data-testid="next-runs">
          None{view.suspended ? ' while suspended' : ''}.
        </p>
      ) : (
        <ul data-testid="next-runs">
          {view.nextFireTimes.map((time) => (
            <li key={time}>{formatTime(time)}</li>
          ))}
        </ul>
      )}
      <h3>Runs (newest first)</h3>
      <table data-testid="schedule-runs">
        <thead>
          <tr>
            <th>Fire time</th>
            <th>Run</th>
            <th>Operation</th>
            <th>Operation state</th>
            <th>Note</th>
          </tr>
        </thead>
        <tbody>
          {[...view.runs].reverse().map((run) => (
            <tr key={run.fireTime} data-operation-id={run.operationId}>
              <td>{formatTime(run.fireTime)}</td>
              <td>
                <span className={`run-state ${run.state}`}>{run.state}</span>
              </td>
              <td>
                {run.state === 'submitted' ? (
                  <Link to={`operations/${run.operationId}`}>
                    <code>{run.operationId}</code>
                  </Link>
                ) : (
                  '—'
                )}
              </td>
              <td>{run.operationState ? <span className={`state ${run.operationState}`}>{run.operationState}</span> : '—'}</td>
              <td className="muted">{run.note ?? (run.notBefore ? `not before ${formatTime(run.notBefore)}` : '')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {view.runs.length === 0 && <p className="muted">No runs yet.</p>}
      <details>
        <summary>Request</summary>
        <pre>{JSON.stringify(view.request, null, 2)}</pre>
      </details>
    </section>
  );
}

/** POST /schedules from a form; the gateway's 400 is shown field by field. */
export function ScheduleForm() {
  const [fields, setFields] = useState({
    id: '',
    schedule: '',
    timeZone: '',
    windowStart: '',
    windowDuration: '',
    concurrencyPolicy: '',
    catchUp: '',
    suspended: false,
    request: '{\n  "type": "backup",\n  "globalRequest": true,\n  "storageLocation": ""\n}',
  });
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const set = (name: keyof typeof fields) => (value: string | boolean) => setFields((f) => ({ ...f, [name]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const { definition, problem } = definitionFromForm(fields);
    if (!definition) {
      setError(new Error(problem?.message ?? 'invalid'));
      return;
    }
    setBusy(true);
    try {
      const view = await api.createSchedule(definition);
      navigate(`schedules/${view.id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <form className="stacked" onSubmit={submit} data-testid="schedule-form">
      <h2>New schedule</h2>
      <Text name="id" label="Id (optional: a-z, 0-9, - and _)" value={fields.id} onChange={set('id')} placeholder="nightly-backup" />
      <Text
        name="schedule"
        label="Schedule: 5-field cron, @daily, @hourly, … or @every 6h"
        value={fields.schedule}
        onChange={set('schedule')}
        placeholder="0 2 * * *"
        required
      />
      <Text
        name="timeZone"
        label="Time zone (optional, default UTC)"
        value={fields.timeZone}
        onChange={set('timeZone')}
        placeholder="Europe/Berlin"
      />
      <Text
        name="windowStart"
        label="Window start (optional: HH:MM or a cron)"
        value={fields.windowStart}
        onChange={set('windowStart')}
        placeholder="01:00"
      />
      <Text
        name="windowDuration"
        label="Window duration (with the start)"
        value={fields.windowDuration}
        onChange={set('windowDuration')}
        placeholder="4h"
      />
      <label>
        When a run is due while the previous one goes on
        <select name="concurrencyPolicy" value={fields.concurrencyPolicy} onChange={(e) => set('concurrencyPolicy')(e.target.value)}>
          <option value="">skip it (default)</option>
          <option value="skip">skip it</option>
          <option value="queue">queue it</option>
        </select>
      </label>
      <Text name="catchUp" label="Catch-up (optional, default 10m)" value={fields.catchUp} onChange={set('catchUp')} placeholder="10m" />
      <Check name="suspended" label="Create it suspended" checked={fields.suspended} onChange={set('suspended')} />
      <label>
        Operation request (JSON, as POST /operations takes it, without id)
        <textarea name="request" rows={8} value={fields.request} onChange={(e) => set('request')(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create schedule'}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}
