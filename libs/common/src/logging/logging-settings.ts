import { IsIn } from 'class-validator';
import { ConfigSection, Option } from '../config/option';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** How a service logs: the same flags on every service. */
@ConfigSection({ title: 'Logging' })
export class LoggingSettings {
  @Option({
    flag: 'log-level',
    kind: 'string',
    description: `the least severe level written (${LOG_LEVELS.join(', ')})`,
    default: 'info',
    placeholder: 'level',
  })
  @IsIn(LOG_LEVELS, { message: `$property must be one of ${LOG_LEVELS.join(', ')}` })
  readonly level!: LogLevelName;

  @Option({
    flag: 'log-format',
    kind: 'string',
    description: 'json: one JSON object a line; pretty: for people; auto: pretty when stdout is a terminal, else json',
    default: 'auto',
    placeholder: 'format',
  })
  @IsIn(LOG_FORMATS, { message: `$property must be one of ${LOG_FORMATS.join(', ')}` })
  readonly format!: LogFormat;
}
