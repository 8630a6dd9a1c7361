import { Inject, Injectable } from '@nestjs/common';
import { JetStreamClient } from '@nats-io/jetstream';
import { CancelOperationMessage, MessageIds, OperationRecord, ResumeOperationMessage, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { JETSTREAM, publishJson, publishSubmission } from '@daedalus/messaging';
import { Clock, METRICS, processMetrics } from '@daedalus/common';

/** The gateway's outbound side: submit, cancel and resume requests onto the request stream. */
@Injectable()
export class OperationPublisher {
  constructor(
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    private readonly clock: Clock,
  ) {}

  private readonly submitted = processMetrics('gateway').counter(METRICS.operationsSubmitted);

  async submit(record: OperationRecord): Promise<void> {
    await publishSubmission(this.js, record, this.clock.now());
    this.submitted.inc({ type: record.type });
  }

  async cancel(operationId: string): Promise<void> {
    const message: CancelOperationMessage = {
      schemaVersion: SCHEMA_VERSION,
      operationId,
      requestedAt: this.clock.now().toISOString(),
    };
    await publishJson(this.js, Subjects.cancel, message, MessageIds.cancel(operationId));
  }

  /** One message id per resume (`resumeCount` = the resumes already done), so a repeated request is dropped. */
  async resume(operationId: string, resumeCount: number): Promise<void> {
    const message: ResumeOperationMessage = {
      schemaVersion: SCHEMA_VERSION,
      operationId,
      resumeCount,
      requestedAt: this.clock.now().toISOString(),
    };
    await publishJson(this.js, Subjects.resume, message, MessageIds.resume(operationId, resumeCount));
  }
}
