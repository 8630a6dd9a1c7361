import { useEffect, useState } from 'react';
import { ApiError } from './api';

/** A refusal as the gateway worded it, each field it named on its own line. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  const title = api ? (api.status ? `${api.status} ${statusWord(api.status)}` : 'No answer') : 'Error';
  return (
    <div className="error" role="alert" data-testid="error">
      <strong>{title}</strong>
      {/* the message joins the field errors: list them instead when there are some */}
      {!api?.fieldErrors.length && <>: {error instanceof Error ? error.message : String(error)}</>}
      {api && api.fieldErrors.length > 0 && (
        <ul>
          {api.fieldErrors.map((f, i) => (
            <li key={i}>
              <code>{f.field}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function statusWord(status: number): string {
  const words: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    503: 'Service Unavailable',
  };
  return words[status] ?? '';
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function formatAge(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function ProgressBar({ value }: { value: number }) {
  const percent = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <span className="progress" title={`${percent}%`}>
      <span className="bar" style={{ width: `${percent}%` }} />
      <span className="label">{percent}%</span>
    </span>
  );
}

/** Loads with `load` now and, when `intervalMs` is given, again that long after each answer; keeps the last answer and error. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], intervalMs?: number) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const again = () => {
      if (live && intervalMs) timer = setTimeout(() => setTick((t) => t + 1), intervalMs);
    };
    load().then(
      (value) => {
        if (live) {
          setData(value);
          setError(undefined);
        }
        again();
      },
      (e: unknown) => {
        if (live) setError(e);
        again();
      },
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [...deps, tick]); // the caller names what `load` depends on
  return { data, error, reload: () => setTick((t) => t + 1) };
}
