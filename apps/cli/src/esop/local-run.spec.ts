import { RestoreRequest } from '@daedalus/contracts';
import { ExecutionContext, OperationExecutor } from '../../../node-agent/src/operations/executor';
import { LocalRestoreLedger, ProgressSink, runLocally } from './local-run';

const REQUEST = { type: 'restore' } as RestoreRequest;

function recordingSink(): ProgressSink & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    phase: (name) => events.push(`phase ${name}`),
    progress: (phase, fraction) => events.push(`progress ${phase} ${fraction}`),
    phaseDone: (name) => events.push(`done ${name}`),
    close: () => undefined,
  };
}

/** An executor that records what each phase saw, and truncates/imports through the ledger like the real one. */
function fakeRestore(
  ledger: LocalRestoreLedger,
  seen: Array<{ phase?: string; earlier: string[]; aborted: boolean }>,
  onPhase?: (phase: string | undefined) => void,
): OperationExecutor<RestoreRequest> {
  return {
    type: 'restore',
    cancellableIn: (phase) => phase === 'INIT' || phase === 'DOWNLOAD',
    async execute(_request, context: ExecutionContext) {
      onPhase?.(context.phase);
      seen.push({ phase: context.phase, earlier: Object.keys(context.phaseResults ?? {}), aborted: context.signal.aborted });
      await context.progress(0.5, 'half');
      if (context.phase === 'TRUNCATE') {
        for (const attempt of [1, 2]) {
          const claim = await ledger.mayTruncate('op', 'shop.orders');
          if (claim === 'truncate') await context.reportLedger({ done: 'truncated', table: 'shop.orders' });
          else expect([attempt, claim]).toEqual([2, 'already-truncated']);
        }
      }
      return { phase: context.phase };
    },
  };
}

describe('runLocally', () => {
  it('runs the phases in order, each with the results before it under this host, and keeps the ledger', async () => {
    const ledger = new LocalRestoreLedger('host-1');
    const seen: Array<{ phase?: string; earlier: string[]; aborted: boolean }> = [];
    const sink = recordingSink();
    const results = await runLocally(fakeRestore(ledger, seen), REQUEST, ['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT'], {
      hostId: 'host-1',
      sink,
      signal: new AbortController().signal,
      ledger,
    });
    expect(seen.map((s) => [s.phase, s.earlier])).toEqual([
      ['INIT', []],
      ['DOWNLOAD', ['INIT']],
      ['TRUNCATE', ['INIT', 'DOWNLOAD']],
      ['IMPORT', ['INIT', 'DOWNLOAD', 'TRUNCATE']],
    ]);
    expect(Object.keys(results)).toEqual(['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT']);
    expect((await ledger.state()).truncated).toEqual(['shop.orders']);
    // outside TRUNCATE nothing may be truncated
    expect(await ledger.mayTruncate('op', 'shop.customers')).toBe('phase-left');
    expect(sink.events.slice(0, 3)).toEqual(['phase INIT', 'progress INIT 0.5', 'done INIT']);
  });

  it('stops before a phase that may stop once interrupted, but lets the phases after TRUNCATE run to their end', async () => {
    const controller = new AbortController();
    const ledger = new LocalRestoreLedger('host-1');
    const seen: Array<{ phase?: string; earlier: string[]; aborted: boolean }> = [];
    const interruptDuring = (at: string) => (phase: string | undefined) => phase === at && controller.abort();

    await runLocally(fakeRestore(ledger, seen, interruptDuring('TRUNCATE')), REQUEST, ['INIT', 'TRUNCATE', 'IMPORT', 'CLEANUP'], {
      hostId: 'host-1',
      sink: recordingSink(),
      signal: controller.signal,
      ledger,
    });
    expect(seen.map((s) => [s.phase, s.aborted])).toEqual([
      ['INIT', false],
      ['TRUNCATE', false],
      ['IMPORT', false],
      ['CLEANUP', false],
    ]);

    const early = new AbortController();
    const before: typeof seen = [];
    await expect(
      runLocally(
        fakeRestore(ledger, before, (phase) => phase === 'INIT' && early.abort()),
        REQUEST,
        ['INIT', 'DOWNLOAD', 'TRUNCATE'],
        { hostId: 'host-1', sink: recordingSink(), signal: early.signal, ledger },
      ),
    ).rejects.toThrow();
    expect(before.map((s) => s.phase)).toEqual(['INIT']);
  });
});
