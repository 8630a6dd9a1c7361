import { BeforeApplicationShutdown, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isTerminal, OperationRecord } from '@daedalus/contracts';
import { errorMessage } from '@daedalus/common';
import { GatewayConfig } from '../gateway-config';
import { notFound } from '../http/bad-request';
import { OperationView } from '../docs/response-views';
import { toOperationView } from '../operations/operation-view';
import { EventFilter, passes } from './event-params';
import { RecordRevision, RecordWatch, RevisionFeed } from './record-watch';
import { SseStream } from './sse-stream';

const RETRY_AFTER_SECONDS = 5;

/** What an `operation` event carries: the view `GET /operations/{id}` answers (secrets `[redacted]`). */
function viewOf(record: OperationRecord): OperationView | undefined {
  try {
    return toOperationView(record);
  } catch {
    return undefined; // a record no Daedalus service wrote (not of the record's shape): nothing to show
  }
}

/**
 * Server-Sent Events of operation records, from the KV watch of the operations bucket: one event per revision,
 * its id the revision, so a client that reconnects with `Last-Event-ID` gets exactly the revisions after it.
 * Each open stream holds a slot (at most --events-max-streams); all are ended when the gateway shuts down.
 */
@Injectable()
export class EventsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventsService.name);
  private readonly open = new Set<SseStream>();
  /** slots taken, also by streams still being set up */
  private taken = 0;

  constructor(
    private readonly watch: RecordWatch,
    private readonly config: GatewayConfig,
  ) {}

  /**
   * Every revision of one record after `after` (without it, every revision the bucket keeps), then each new one,
   * until the record is final: the stream ends after the revision that made it COMPLETED, FAILED or CANCELLED
   * (unless a later one, a resume, follows). 404 for an unknown id; 204 (no stream: an EventSource stops
   * reconnecting) when the client already has the final revision.
   */
  async streamOperation(id: string, after: number | undefined, request: Request, response: Response): Promise<void> {
    const release = this.takeSlot(response);
    let feed: RevisionFeed | undefined;
    try {
      const current = await this.watch.current(id);
      if (!current?.record) throw notFound('id', `operation ${id} does not exist`);
      if (after !== undefined && after >= current.revision && isTerminal(current.record.state)) {
        response.status(204).end();
        return;
      }
      feed = await this.watch.ofRecord(id);
      await this.pump(feed, request, response, async (sse, revision, first) => {
        if (first) await this.noteGap(sse, id, after ?? 0, revision.revision);
        if (after !== undefined && revision.revision <= after) return 'next';
        if (revision.unreadable) {
          sse.comment(`revision ${revision.revision} of the record is not JSON: skipped`);
          return 'next';
        }
        if (!revision.record) {
          await sse.send('deleted', { id }, revision.revision);
          return 'stop';
        }
        const view = viewOf(revision.record);
        if (!view) {
          sse.comment(`revision ${revision.revision} of the record is not an operation record: skipped`);
          return 'next';
        }
        await sse.send('operation', view, revision.revision);
        // a FAILED operation may be resumed: end only when no later revision exists
        if (isTerminal(revision.record.state) && (await this.watch.current(id))?.revision === revision.revision) return 'stop';
        return 'next';
      });
    } finally {
      feed?.stop();
      release();
    }
  }

  /**
   * Revisions of every record that `filter` passes: those after `after` that the bucket still keeps, or
   * without it those written from now on. Never ends by itself.
   */
  async streamAll(filter: EventFilter, after: number | undefined, request: Request, response: Response): Promise<void> {
    const release = this.takeSlot(response);
    let feed: RevisionFeed | undefined;
    try {
      feed = await this.watch.ofAll(after);
      await this.pump(feed, request, response, async (sse, revision) => {
        if (!revision.record || !passes(filter, revision.record)) return 'next';
        const view = viewOf(revision.record);
        if (view) await sse.send('operation', view, revision.revision);
        return 'next';
      });
    } finally {
      feed?.stop();
      release();
    }
  }

  beforeApplicationShutdown(): void {
    for (const sse of this.open) sse.end();
  }

  /**
   * Opens the stream and hands it each revision until `handle` says stop, the client goes away or the watch
   * ends (NATS closed). An error once the stream is open cannot become an HTTP error: it ends the stream
   * (the client reconnects with Last-Event-ID).
   */
  private async pump(
    feed: RevisionFeed,
    request: Request,
    response: Response,
    handle: (sse: SseStream, revision: RecordRevision, first: boolean) => Promise<'next' | 'stop'>,
  ): Promise<void> {
    if (request.method === 'HEAD') {
      // Express routes HEAD to GET: the headers of a stream, and no stream holding a slot
      response.status(200).setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      response.end();
      return;
    }
    const sse = new SseStream(request, response, this.config.eventsHeartbeatMs);
    this.open.add(sse);
    void sse.closed.then(() => feed.stop());
    let first = true;
    try {
      for await (const revision of feed.revisions) {
        if (!sse.isOpen) break;
        const next = await handle(sse, revision, first);
        first = false;
        if (next === 'stop') break;
      }
    } catch (error) {
      this.logger.warn(`event stream ${request.path} ended: ${errorMessage(error)}`);
    } finally {
      this.open.delete(sse);
      sse.end();
    }
  }

  /**
   * When the client resumes after a revision the bucket no longer keeps (it keeps the last N of each record and
   * holds N of them, all later than `after`), some revisions in between may be gone: say so, in a `gap` event,
   * rather than let the client believe it saw every one. A client that asked for all of them (`after` 0) is told
   * the same when the record has had more than N.
   */
  private async noteGap(sse: SseStream, id: string, after: number, oldestKept: number): Promise<void> {
    if (oldestKept <= after + 1) return;
    const kept = await this.watch.keptHistory(id);
    if (kept.stored < kept.limit) return;
    await sse.send('gap', {
      id,
      after,
      oldestKept,
      message: `revisions of operation ${id} after ${after} and before ${oldestKept} may be missing: the store keeps the last ${kept.limit} of each record`,
    });
  }

  /** One of --events-max-streams slots, or 503 with Retry-After. The returned function gives it back (once). */
  private takeSlot(response: Response): () => void {
    if (this.taken >= this.config.eventsMaxStreams) {
      response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      const message = `this gateway serves at most ${this.config.eventsMaxStreams} event streams at once (--events-max-streams); retry later`;
      throw new ServiceUnavailableException({
        statusCode: 503,
        error: 'Service Unavailable',
        message,
        errors: [{ field: 'path', message }],
      });
    }
    this.taken += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.taken -= 1;
    };
  }
}
