/**
 * Handlers never ack. They return normally (done) or throw one of these; the settlement module turns
 * that into ack / retry with backoff / terminate + dead-letter.
 */

/** Worth trying again later (a node not reachable yet, a CAS conflict storm, storage hiccup). */
export class RetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableError';
  }
}

/** Can never succeed (malformed message, unknown schema major): dead-letter it at once. */
export class FatalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FatalError';
  }
}
