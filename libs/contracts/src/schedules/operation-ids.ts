import { derivedOperationId } from '../operation-ids';

/**
 * The operation id of a schedule's run at one fire time: the same for every coordinator that fires it, so the
 * create-only record and JetStream's `Nats-Msg-Id` de-duplicate a run fired twice (two replicas, or one that died
 * between submitting and recording). A UUID (SubmitOperation requires one), derived by SHA-256 and laid out as a
 * version-8 "custom" UUID; the record's `submittedBy` (`schedule:<id>`) names the schedule.
 */
export function scheduleOperationId(scheduleId: string, fireTime: Date): string {
  return derivedOperationId(`daedalus-schedule:${scheduleId}:${Math.floor(fireTime.getTime() / 1000)}`);
}

/** The `submittedBy` of a schedule's runs. */
export const scheduleSubmitter = (scheduleId: string) => `schedule:${scheduleId}`;
