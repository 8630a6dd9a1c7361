import { GatewayClient, GatewayError, GatewayUnreachable, OperationView } from './gateway-client';
import { ProgressDisplay } from './progress-display';

const FINAL_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
/** reconnections in a row without an event in between before the watch gives up */
const MAX_RECONNECTS = 10;

export const isFinal = (view: OperationView) => FINAL_STATES.has(view.state);

/**
 * Follows one operation over its event stream (GET /operations/{id}/events) until it is final, showing each
 * revision. A dropped or silent connection is opened again with Last-Event-ID (the last revision seen), so no
 * change is lost or shown twice; at most MAX_RECONNECTS times in a row, 1 s apart and more, and the whole watch
 * is bounded by `timeoutMs`. Resolves to the final view.
 */
export async function followOperation(
  client: GatewayClient,
  id: string,
  display: ProgressDisplay,
  timeoutMs: number,
): Promise<OperationView> {
  const deadline = Date.now() + timeoutMs;
  let lastEventId: string | undefined;
  let latest: OperationView | undefined;
  let failures = 0;
  for (;;) {
    if (Date.now() > deadline) throw new GatewayUnreachable(`operation ${id} did not end within --watch-timeout (${timeoutMs / 1000} s)`);
    try {
      for await (const event of client.operationEvents(id, lastEventId)) {
        if (event.event === 'gap') {
          display.note(`note: ${(JSON.parse(event.data) as { message?: string }).message ?? 'some revisions were missed'}`);
          continue;
        }
        if (event.event !== 'operation') continue;
        latest = JSON.parse(event.data) as OperationView;
        lastEventId = event.id;
        failures = 0;
        display.show(latest);
        if (Date.now() > deadline) break;
      }
    } catch (error) {
      if (!(error instanceof GatewayUnreachable) && !(error instanceof GatewayError && error.status >= 500)) throw error;
      failures += 1;
      if (failures > MAX_RECONNECTS) throw error;
      display.note(`reconnecting (${failures}/${MAX_RECONNECTS}): ${error.message}`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * failures, 10_000)));
      continue;
    }
    // the stream ended: the operation is final (or we had its last revision already: 204)
    const view = latest && isFinal(latest) ? latest : await client.operation(id);
    if (isFinal(view)) return view;
    // ended while not final (the gateway shut down, a slow reader cut off): come back after the last one seen
    failures += 1;
    if (failures > MAX_RECONNECTS) throw new GatewayUnreachable(`the event stream of operation ${id} kept ending before the operation did`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * failures, 10_000)));
  }
}
