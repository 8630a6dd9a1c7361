/**
 * The dashboard's only way to the gateway: the same REST API every client uses, authenticated the same way
 * (`Authorization: Bearer <token>`, or nothing when the gateway runs with --anonymous-role). The shapes below
 * mirror apps/gateway/src/docs/response-views.ts (the served /openapi.json); only the fields the pages show.
 */

export type OperationState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export const FINAL_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

export interface FieldError {
  field: string;
  message: string;
}

export interface NodeProgress {
  hostId: string;
  address: string;
  dc: string;
  state: OperationState;
  progress: number;
  phase?: string;
  message?: string;
  startTime?: string;
  completionTime?: string;
}

export interface OperationView {
  type: string;
  id: string;
  creationTime: string;
  startTime: string | null;
  completionTime: string | null;
  state: OperationState;
  progress: number;
  errors: Array<{ source: string; message: string }>;
  submittedBy?: string;
  response?: unknown;
  cancelRequested?: boolean;
  phases?: string[];
  phase?: string;
  nodes: NodeProgress[];
  storageLocation?: string;
  snapshotTag?: string;
}

export interface NodeListing {
  hostId: string;
  address: string;
  dc: string | null;
  rack: string | null;
  state: 'live' | 'down' | 'departed';
  reason?: string;
  registered: boolean;
  operationMode: string | null;
  heartbeatAt: string | null;
  heartbeatAgeMs: number | null;
  cassandraVersion: string | null;
  agentVersion: string | null;
}

export interface ClusterTopology {
  clusterName: string | null;
  source: 'live' | 'registry';
}

export interface BackupSummary {
  name: string;
  snapshotTag: string;
  cluster: string;
  time: string;
  endTime?: string;
  scope: 'cluster' | 'node';
  nodesComplete: number;
  nodesExpected: number;
  totalBytes: number;
  addedBytes: number;
  complete: boolean;
  partial?: boolean;
  /** the latest verify of the backup's nodes: sent by a gateway with the `verify` operation, when one ran */
  verified?: { state: 'passed' | 'failed' | 'partial'; mode: 'quick' | 'full'; at: string; nodesVerified: number };
}

/** A schedule's run: what the scheduler decided, and (GET /schedules/{id} only) its operation's state. */
export interface ScheduleRun {
  fireTime: string;
  operationId: string;
  state: 'submitted' | 'skipped' | 'queued' | 'waiting' | 'missed';
  at: string;
  note?: string;
  notBefore?: string;
  operationState?: OperationState;
}

/** A schedule as GET /schedules shows it (apps/gateway/src/schedules/schedule-view.ts). */
export interface ScheduleView {
  id: string;
  request: Record<string, unknown>;
  schedule: string;
  timeZone: string;
  window?: { start: string; duration: string };
  suspended: boolean;
  concurrencyPolicy: string;
  catchUp: string;
  createdAt: string;
  updatedAt: string;
  createdBy?: string;
  nextFireTimes: string[];
  runs: ScheduleRun[];
}

/** A refusal or failure as the gateway words it (every 4xx names its field in `errors`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fieldErrors: FieldError[] = [],
    readonly body: unknown = undefined,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'daedalus.token';

/** The API token lives in sessionStorage: gone when the tab closes, never in a URL or a cookie. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  save: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

export function authHeaders(token: string | null = session.token()): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

const REQUEST_TIMEOUT_MS = 30_000;

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (a proxy's page): keep the text
  }
  const shaped = typeof body === 'object' && body !== null ? (body as { message?: unknown; errors?: unknown }) : {};
  const message = typeof shaped.message === 'string' ? shaped.message : text.slice(0, 300) || response.statusText;
  const fieldErrors = Array.isArray(shaped.errors) ? (shaped.errors as FieldError[]) : [];
  return new ApiError(response.status, message, fieldErrors, body);
}

async function call<T>(method: string, path: string, body?: unknown, token?: string | null): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(token === undefined ? session.token() : token) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ApiError(0, `the gateway did not answer: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  /** Whether these credentials (a token, or none) may read: 401/403 comes back as an ApiError. */
  checkAccess: (token: string | null) => call<{ version: string }>('GET', '/version/sidecar', undefined, token),
  nodes: () => call<NodeListing[]>('GET', '/nodes'),
  topology: () => call<ClusterTopology>('GET', '/topology'),
  operations: (query: { type?: string; state?: string } = {}) => {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
    return call<OperationView[]>('GET', `/operations${params.size ? `?${params}` : ''}`);
  },
  operation: (id: string) => call<OperationView>('GET', `/operations/${encodeURIComponent(id)}`),
  submit: (request: Record<string, unknown>) => call<OperationView>('POST', '/operations', request),
  /** A restore's dry run: an operation whose one phase, PLAN, changes nothing (a gateway without `dryRun` answers 400). */
  dryRun: (request: Record<string, unknown>) => call<OperationView>('POST', '/operations', { ...request, dryRun: true }),
  cancel: (id: string) => call<OperationView>('DELETE', `/operations/${encodeURIComponent(id)}`),
  backups: (storageLocation: string) => call<BackupSummary[]>('GET', `/backups?${new URLSearchParams({ storageLocation })}`),
  schedules: () => call<ScheduleView[]>('GET', '/schedules'),
  /** one schedule, each run with its operation's state */
  schedule: (id: string) => call<ScheduleView>('GET', `/schedules/${encodeURIComponent(id)}`),
  createSchedule: (definition: Record<string, unknown>) => call<ScheduleView>('POST', '/schedules', definition),
  replaceSchedule: (id: string, definition: Record<string, unknown>) =>
    call<ScheduleView>('PUT', `/schedules/${encodeURIComponent(id)}`, definition),
  deleteSchedule: (id: string) => call<void>('DELETE', `/schedules/${encodeURIComponent(id)}`),
};

/** The backup name an UPLOAD phase reported (the name GET /backups lists), once the backup completed. */
export function backupNameOf(operation: OperationView): string | undefined {
  const upload = (operation.response as { UPLOAD?: Record<string, { backupName?: unknown }> } | undefined)?.UPLOAD;
  const name = upload ? Object.values(upload).find((r) => typeof r?.backupName === 'string')?.backupName : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** One node's plan in a restore dry run (`response.PLAN.<hostId>`; RestorePlanResult in the restore protocol). */
export interface RestorePlan {
  backupName: string;
  strategy: string;
  tables: Array<{ keyspace: string; target: string; bytes: number }>;
  truncated: string[];
  download: { files: number; bytes: number; fetchFiles: number; fetchBytes: number };
  filesystems: Array<{ path: string; freeBytes: number; downloadBytes: number; freeAfterBytes: number; reserveBytes: number }>;
}

/** The plans a completed dry run answered, by host ID; undefined when it has none (yet). */
export function restorePlansOf(operation: OperationView): Record<string, RestorePlan> | undefined {
  const plans = (operation.response as { PLAN?: Record<string, RestorePlan> } | undefined)?.PLAN;
  return plans && typeof plans === 'object' && Object.keys(plans).length > 0 ? plans : undefined;
}
