import type { OperationRecord } from '../operation-record';
import type { FieldError } from '../requests/registry';
import { isTerminal } from './operation-state';

/**
 * The application pause of a cluster-consistent backup (`consistency.pauseHooks`), kept in the operation
 * record so that it outlives the coordinator that opened it: whichever coordinator next touches the record (a
 * node event, a cancel, the sweeper) and finds the window still open when it should be closed sends the resume.
 *
 * Window: PAUSING (pause calls sent) → PAUSED (every hook acknowledged) → RESUMING (a coordinator claimed the
 * resume) → RESUMED, or RESUME_FAILED when a hook still refused after its bounded retries. A pause that failed
 * goes from PAUSING straight to RESUMING: a hook that timed out may have paused all the same, so every hook
 * that was called is resumed.
 */
export enum PauseWindowState {
  PAUSING = 'PAUSING',
  PAUSED = 'PAUSED',
  RESUMING = 'RESUMING',
  RESUMED = 'RESUMED',
  RESUME_FAILED = 'RESUME_FAILED',
}

const WINDOW_MOVES: Readonly<Record<PauseWindowState, readonly PauseWindowState[]>> = {
  [PauseWindowState.PAUSING]: [PauseWindowState.PAUSED, PauseWindowState.RESUMING],
  [PauseWindowState.PAUSED]: [PauseWindowState.RESUMING],
  // a claim whose coordinator died is taken over (RESUMING again, with a new claim time)
  [PauseWindowState.RESUMING]: [PauseWindowState.RESUMING, PauseWindowState.RESUMED, PauseWindowState.RESUME_FAILED],
  [PauseWindowState.RESUMED]: [],
  [PauseWindowState.RESUME_FAILED]: [],
};

/** One hook's part: asked to pause, acknowledged or not, resumed or not. */
export enum PauseHookState {
  PAUSING = 'PAUSING',
  PAUSED = 'PAUSED',
  PAUSE_FAILED = 'PAUSE_FAILED',
  RESUMED = 'RESUMED',
  RESUME_FAILED = 'RESUME_FAILED',
}

const HOOK_MOVES: Readonly<Record<PauseHookState, readonly PauseHookState[]>> = {
  // PAUSING straight to a resume outcome: the coordinator that called it died before recording the answer
  [PauseHookState.PAUSING]: [PauseHookState.PAUSED, PauseHookState.PAUSE_FAILED, PauseHookState.RESUMED, PauseHookState.RESUME_FAILED],
  [PauseHookState.PAUSED]: [PauseHookState.RESUMED, PauseHookState.RESUME_FAILED],
  [PauseHookState.PAUSE_FAILED]: [PauseHookState.RESUMED, PauseHookState.RESUME_FAILED],
  [PauseHookState.RESUMED]: [],
  [PauseHookState.RESUME_FAILED]: [],
};

export class InvalidPauseTransitionError extends Error {
  constructor(from: string, to: string, what: 'pause window' | 'pause hook') {
    super(`${what} cannot move from ${from} to ${to}`);
    this.name = 'InvalidPauseTransitionError';
  }
}

/** Returns `to` when the window may move there, throws otherwise. */
export function advanceWindowTo(from: PauseWindowState, to: PauseWindowState): PauseWindowState {
  if (!WINDOW_MOVES[from].includes(to)) throw new InvalidPauseTransitionError(from, to, 'pause window');
  return to;
}

/** Returns `to` when a hook may move there, throws otherwise. */
export function advanceHookTo(from: PauseHookState, to: PauseHookState): PauseHookState {
  if (!HOOK_MOVES[from].includes(to)) throw new InvalidPauseTransitionError(from, to, 'pause hook');
  return to;
}

export function isWindowClosed(state: PauseWindowState): boolean {
  return WINDOW_MOVES[state].length === 0;
}

export interface PauseHookEntry {
  state: PauseHookState;
  pausedAt?: string;
  resumedAt?: string;
  /** why the pause or the resume failed (never the token: the adapter's messages carry none) */
  error?: string;
}

export interface PauseWindow {
  state: PauseWindowState;
  /** the phase the window covers: it closes as soon as this phase is over (or the operation ends) */
  covers: string;
  hooks: Record<string, PauseHookEntry>;
  /** when the pause calls went out */
  requestedAt: string;
  /** when the last hook acknowledged (the application is paused from here) */
  pausedAt?: string;
  /** when a coordinator claimed the resume (another takes it over once the claim is older than its lease) */
  resumeClaimedAt?: string;
  /** resume rounds claimed so far (each round retries each hook a bounded number of times) */
  resumeRounds?: number;
  /** why the window closes: the phase ended, the operation ended, or the window ran past its maximum */
  closeReason?: string;
  resumedAt?: string;
  /** from `pausedAt` (or, when the pause never completed, `requestedAt`) to `resumedAt` */
  lengthMs?: number;
}

/** The outcome of calling one hook (the adapter's answer): acknowledged, or why not. */
export type HookCallOutcome = { ok: true; at: string } | { ok: false; error: string };

/** The record with a window opened (PAUSING) over its first phase; undefined when one exists already. */
export function beginPause(record: OperationRecord, hooks: readonly string[], covers: string, now: Date): OperationRecord | undefined {
  if (record.pauseWindow) return undefined;
  const at = now.toISOString();
  return {
    ...record,
    pauseWindow: {
      state: PauseWindowState.PAUSING,
      covers,
      hooks: Object.fromEntries(hooks.map((name) => [name, { state: PauseHookState.PAUSING }])),
      requestedAt: at,
    },
  };
}

/**
 * Folds the pause calls' answers in. Every hook acknowledged: PAUSED. Otherwise the hooks keep their failure
 * and the window stays PAUSING: the caller fails the operation, which makes the resume owed.
 */
export function recordPauseOutcome(
  record: OperationRecord,
  outcomes: Record<string, HookCallOutcome>,
  now: Date,
): OperationRecord | undefined {
  const window = record.pauseWindow;
  if (!window || window.state !== PauseWindowState.PAUSING) return undefined;
  const hooks: Record<string, PauseHookEntry> = {};
  for (const [name, entry] of Object.entries(window.hooks)) {
    const outcome = outcomes[name];
    if (!outcome || entry.state !== PauseHookState.PAUSING) hooks[name] = entry;
    else if (outcome.ok) hooks[name] = { state: advanceHookTo(entry.state, PauseHookState.PAUSED), pausedAt: outcome.at };
    else hooks[name] = { state: advanceHookTo(entry.state, PauseHookState.PAUSE_FAILED), error: outcome.error };
  }
  const allPaused = Object.values(hooks).every((h) => h.state === PauseHookState.PAUSED);
  const next: PauseWindow = { ...window, hooks };
  if (allPaused) Object.assign(next, { state: advanceWindowTo(window.state, PauseWindowState.PAUSED), pausedAt: now.toISOString() });
  return { ...record, pauseWindow: next };
}

/** Why the window must close now, if it must: its phase is over, the operation ended, or it ran too long. */
export function resumeDue(record: OperationRecord, now: Date, maxWindowMs: number): string | undefined {
  const window = record.pauseWindow;
  if (!window || (window.state !== PauseWindowState.PAUSING && window.state !== PauseWindowState.PAUSED)) return undefined;
  if (isTerminal(record.state)) return `the operation ended ${record.state}`;
  if (record.phase !== window.covers) return `phase ${window.covers} is over`;
  if (windowOverdue(record, now, maxWindowMs)) return `the pause window ran past its maximum of ${maxWindowMs} ms`;
  return undefined;
}

/** The window has been open longer than allowed (counted from when the pause calls went out). */
export function windowOverdue(record: OperationRecord, now: Date, maxWindowMs: number): boolean {
  const window = record.pauseWindow;
  if (!window || isWindowClosed(window.state)) return false;
  return now.getTime() - Date.parse(window.requestedAt) > maxWindowMs;
}

/**
 * Claims the resume for the caller (compare-and-set: only one coordinator wins a round): when it is due, or
 * when an earlier claim is older than `leaseMs` (its coordinator died while resuming).
 */
export function claimResume(record: OperationRecord, now: Date, maxWindowMs: number, leaseMs: number): OperationRecord | undefined {
  const window = record.pauseWindow;
  if (!window) return undefined;
  const due = resumeDue(record, now, maxWindowMs);
  const stale =
    window.state === PauseWindowState.RESUMING && now.getTime() - Date.parse(window.resumeClaimedAt ?? window.requestedAt) > leaseMs;
  if (!due && !stale) return undefined;
  return {
    ...record,
    pauseWindow: {
      ...window,
      state: advanceWindowTo(window.state, PauseWindowState.RESUMING),
      resumeClaimedAt: now.toISOString(),
      resumeRounds: (window.resumeRounds ?? 0) + 1,
      closeReason: window.closeReason ?? due ?? 'a resume claimed by a coordinator that stopped',
    },
  };
}

/** Folds the resume calls' answers in: RESUMED when every hook acknowledged, RESUME_FAILED otherwise. */
export function recordResumeOutcome(
  record: OperationRecord,
  outcomes: Record<string, HookCallOutcome>,
  now: Date,
): OperationRecord | undefined {
  const window = record.pauseWindow;
  if (!window || window.state !== PauseWindowState.RESUMING) return undefined;
  const hooks: Record<string, PauseHookEntry> = {};
  for (const [name, entry] of Object.entries(window.hooks)) {
    const outcome = outcomes[name];
    if (!outcome || HOOK_MOVES[entry.state].length === 0) hooks[name] = entry;
    else if (outcome.ok) hooks[name] = { ...entry, state: advanceHookTo(entry.state, PauseHookState.RESUMED), resumedAt: outcome.at };
    else hooks[name] = { ...entry, state: advanceHookTo(entry.state, PauseHookState.RESUME_FAILED), error: outcome.error };
  }
  const ok = Object.values(hooks).every((h) => h.state === PauseHookState.RESUMED);
  const resumedAt = now.toISOString();
  const from = Date.parse(window.pausedAt ?? window.requestedAt);
  return {
    ...record,
    pauseWindow: {
      ...window,
      hooks,
      state: advanceWindowTo(window.state, ok ? PauseWindowState.RESUMED : PauseWindowState.RESUME_FAILED),
      resumedAt,
      lengthMs: Math.max(0, now.getTime() - from),
    },
  };
}

/**
 * Finished for good: terminal, and no pause window left open. The operation store keeps an operation in its
 * index of unfinished ones until then, so the sweeper still finds a failed backup whose resume is owed.
 */
export function isSettled(record: OperationRecord): boolean {
  return isTerminal(record.state) && (!record.pauseWindow || isWindowClosed(record.pauseWindow.state));
}

/** A request's pause hooks that the configuration does not define, each named by its place in the request. */
export function unknownPauseHooks(request: { consistency?: { pauseHooks?: unknown } }, configured: readonly string[]): FieldError[] {
  const hooks = request.consistency?.pauseHooks;
  if (!Array.isArray(hooks)) return [];
  const known = configured.length === 0 ? 'none is configured (--pause-hooks-file)' : `configured: ${configured.join(', ')}`;
  return hooks.flatMap((name: unknown, i) =>
    typeof name === 'string' && configured.includes(name)
      ? []
      : [
          {
            field: `consistency.pauseHooks[${i}]`,
            message: `consistency.pauseHooks[${i}]: no pause hook named ${JSON.stringify(name)} (${known})`,
          },
        ],
  );
}
