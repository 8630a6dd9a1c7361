/**
 * The CLI's exit status: 0 only when what was asked is done (for a watched operation: it COMPLETED), else one of
 * these, with the reason on stderr.
 */
export const EXIT_OK = 0;
/** the operation ended FAILED or CANCELLED */
export const EXIT_OPERATION_FAILED = 1;
/** the command line, the environment or the config file is wrong */
export const EXIT_USAGE = 2;
/** the gateway refused the request (4xx) or could not answer (5xx, unreachable, timed out) */
export const EXIT_GATEWAY = 3;

/** A mistake of the command line or the settings: exits EXIT_USAGE with the message (which names the flag). */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
}
