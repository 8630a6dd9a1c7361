import { createHash } from 'node:crypto';

/**
 * The operation id of a schedule's run at one fire time: the same for every coordinator that fires it, so the
 * create-only record and JetStream's `Nats-Msg-Id` de-duplicate a run fired twice (two replicas, or one that died
 * between submitting and recording). A UUID (SubmitOperation requires one), derived by SHA-256 and laid out as a
 * version-8 "custom" UUID; the record's `submittedBy` (`schedule:<id>`) names the schedule.
 */
export function scheduleOperationId(scheduleId: string, fireTime: Date): string {
  return uuidFromText(`daedalus-schedule:${scheduleId}:${Math.floor(fireTime.getTime() / 1000)}`);
}

/** A UUID derived from a text (SHA-256, laid out as a version-8 "custom" UUID): the same text, the same UUID. */
export function uuidFromText(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The `submittedBy` of a schedule's runs. */
export const scheduleSubmitter = (scheduleId: string) => `schedule:${scheduleId}`;
