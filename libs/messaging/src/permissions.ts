import { errors } from '@nats-io/transport-node';

/**
 * The server refused a publish or subscribe for this identity's permissions (a least-privilege deployment,
 * deploy/nats). A JetStream API call this identity may not make fails this way, at once (no timeout).
 */
export function isPermissionDenied(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    if (cause instanceof errors.PermissionViolationError) return true;
    cause = cause.cause;
  }
  return false;
}

/**
 * A stream, bucket or consumer this service needs does not exist, and its NATS identity may not create it: the
 * identity that provisions the topology (the coordinators', or `scripts/nats-config.ts provision`) has not run
 * yet. Waited out during start-up like a JetStream that is not ready, so services still start in any order.
 */
export class NotProvisionedError extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(
      `${what} does not exist and this NATS identity may not create it: start a coordinator or run ` +
        '`scripts/nats-config.ts provision` with an identity that may (see deploy/nats)',
      options,
    );
    this.name = 'NotProvisionedError';
  }
}
