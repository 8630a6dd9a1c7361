import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ALL_OPERATION_STATES, CONCURRENCY_POLICIES, OperationState, SCHEDULE_RUN_STATES, ScheduleRunState } from '@daedalus/contracts';

export class ScheduleWindowView {
  @ApiProperty({ description: 'a daily time `HH:MM` or a 5-field cron, in the schedule time zone', example: '01:00' })
  start!: string;
  @ApiProperty({ description: 'Go-style duration', example: '4h' })
  duration!: string;
}

export class ScheduleRunView {
  @ApiProperty({ format: 'date-time', description: 'the fire time this run is for' })
  fireTime!: string;
  @ApiProperty({ format: 'uuid', description: 'its operation id (derived from the schedule id and the fire time)' })
  operationId!: string;
  @ApiProperty({ enum: SCHEDULE_RUN_STATES, description: "what the scheduler decided; `operationState` is the operation's own" })
  state!: ScheduleRunState;
  @ApiProperty({ format: 'date-time', description: 'when the state was set' })
  at!: string;
  @ApiPropertyOptional({ description: 'why it was skipped or missed, or what it waits for' })
  note?: string;
  @ApiPropertyOptional({ format: 'date-time', description: '`waiting`: the window start it waits for' })
  notBefore?: string;
  @ApiPropertyOptional({ enum: ALL_OPERATION_STATES, description: 'the state of its operation record, when one exists' })
  operationState?: OperationState;
}

export class ScheduleView {
  @ApiProperty({ example: 'nightly-backup' })
  id!: string;
  @ApiProperty({
    description: 'the operation request each run submits (as POST /operations takes it)',
    type: 'object',
    additionalProperties: true,
  })
  request!: Record<string, unknown>;
  @ApiProperty({
    example: '@midnight',
    description: '5-field cron, @yearly @annually @monthly @weekly @daily @midnight @hourly, or @every <duration>',
  })
  schedule!: string;
  @ApiProperty({ example: 'Europe/Berlin' })
  timeZone!: string;
  @ApiPropertyOptional({ type: ScheduleWindowView })
  window?: ScheduleWindowView;
  @ApiProperty()
  suspended!: boolean;
  @ApiProperty({ enum: CONCURRENCY_POLICIES })
  concurrencyPolicy!: string;
  @ApiProperty({ description: 'Go-style duration: how late a run may still be submitted (no window)', example: '10m' })
  catchUp!: string;
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
  @ApiPropertyOptional()
  createdBy?: string;
  @ApiProperty({ type: [String], description: 'the next fire times (none while suspended)' })
  nextFireTimes!: string[];
  @ApiProperty({ type: [ScheduleRunView], description: 'the last runs, oldest first' })
  runs!: ScheduleRunView[];
}
