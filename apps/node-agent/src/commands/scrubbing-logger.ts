import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { SecretScrubber } from './secret-scrubber';

/** The agent's log: Nest's console logger, with every secret the agent opened replaced before a line is written. */
export class ScrubbingLogger extends ConsoleLogger {
  constructor(
    private readonly scrubber: SecretScrubber,
    logLevels: LogLevel[],
  ) {
    super({ logLevels });
  }

  protected override formatMessage(
    logLevel: LogLevel,
    message: unknown,
    pidMessage: string,
    formattedLogLevel: string,
    contextMessage: string,
    timestampDiff: string,
  ): string {
    return this.scrubber.scrub(super.formatMessage(logLevel, message, pidMessage, formattedLogLevel, contextMessage, timestampDiff));
  }

  protected override printStackTrace(stack: string): void {
    super.printStackTrace(this.scrubber.scrub(stack));
  }
}
