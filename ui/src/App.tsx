import { FormEvent, useEffect, useState } from 'react';
import { ApiError, api, session } from './api';
import { ErrorBox } from './common';
import { BackupForm } from './forms';
import { RestoreForm } from './RestoreForm';
import { BackupsPage } from './BackupsPage';
import { NodesPage } from './NodesPage';
import { OperationPage, OperationsPage } from './OperationsPage';
import { ScheduleForm, SchedulePage, SchedulesPage } from './SchedulesPage';
import { navigate, usePath } from './router';

/** The pages, by path under /ui/ (the gateway answers index.html for each, so a reload stays on the page). */
const PAGES = [
  { path: '', title: 'Nodes' },
  { path: 'backups', title: 'Backups' },
  { path: 'operations', title: 'Operations' },
  { path: 'schedules', title: 'Schedules' },
  { path: 'backup', title: 'Start a backup' },
  { path: 'restore', title: 'Restore' },
] as const;

type Access = { state: 'checking' } | { state: 'in'; anonymous: boolean } | { state: 'out'; error?: unknown };

export function App() {
  const [access, setAccess] = useState<Access>({ state: 'checking' });
  const path = usePath();

  // a stored token, or none: a gateway with --anonymous-role lets a client without credentials read
  useEffect(() => {
    const token = session.token();
    api.checkAccess(token).then(
      () => setAccess({ state: 'in', anonymous: token === null }),
      (error: unknown) => {
        if (token !== null) session.clear();
        const anonymousRefused = token === null && error instanceof ApiError && error.status === 401;
        setAccess({ state: 'out', error: anonymousRefused ? undefined : error });
      },
    );
  }, []);

  if (access.state === 'checking') return <p className="muted">Connecting to the gateway…</p>;
  if (access.state === 'out') return <Login initialError={access.error} onIn={() => setAccess({ state: 'in', anonymous: false })} />;

  const signOut = () => {
    session.clear();
    setAccess({ state: 'out' });
  };
  return (
    <>
      <header>
        <h1>Daedalus</h1>
        <nav>
          {PAGES.map((page) => (
            <a
              key={page.path}
              href={`/ui/${page.path}`}
              className={path === page.path || path.startsWith(`${page.path === '' ? '-' : page.path}/`) ? 'active' : ''}
              onClick={(e) => {
                e.preventDefault();
                navigate(page.path);
              }}
            >
              {page.title}
            </a>
          ))}
        </nav>
        <span className="who">
          {access.anonymous ? 'anonymous access' : 'signed in with a token'}{' '}
          {!access.anonymous && (
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          )}
        </span>
      </header>
      <main>
        <Page path={path} />
      </main>
    </>
  );
}

function Page({ path }: { path: string }) {
  if (path.startsWith('operations/')) return <OperationPage id={decodeURIComponent(path.slice('operations/'.length))} />;
  if (path === 'schedules/new') return <ScheduleForm />;
  if (path.startsWith('schedules/')) return <SchedulePage id={decodeURIComponent(path.slice('schedules/'.length))} />;
  switch (path) {
    case '':
      return <NodesPage />;
    case 'backups':
      return <BackupsPage />;
    case 'operations':
      return <OperationsPage />;
    case 'schedules':
      return <SchedulesPage />;
    case 'backup':
      return <BackupForm />;
    case 'restore':
      return <RestoreForm />;
    default:
      return <p className="error">No page {path}.</p>;
  }
}

function Login({ initialError, onIn }: { initialError?: unknown; onIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(initialError);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await api.checkAccess(token.trim());
      session.save(token.trim());
      onIn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="login" onSubmit={submit}>
      <h1>Daedalus</h1>
      <p>This gateway needs an API token (see docs/design.md, “Authentication and roles”). It is kept for this tab only.</p>
      <label>
        API token
        <input
          name="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          required
          autoFocus
        />
      </label>
      <button type="submit" disabled={busy || token.trim() === ''}>
        Sign in
      </button>
      <ErrorBox error={error} />
    </form>
  );
}
