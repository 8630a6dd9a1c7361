import { SecretScrubber } from './secret-scrubber';

/**
 * The agent's log lines without the secrets the agent opened: every serialized line (message, stack, fields)
 * passes through the module's SecretScrubber before it is written. The logger exists before the Nest
 * application (its start-up lines), the scrubber with it: until then no secret has been opened, and lines pass.
 */
export class ScrubbingHook {
  private scrubber?: SecretScrubber;

  use(scrubber: SecretScrubber): void {
    this.scrubber = scrubber;
  }

  readonly line = (text: string): string => (this.scrubber ? this.scrubber.scrub(text) : text);
}
