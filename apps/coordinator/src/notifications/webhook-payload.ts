import { OperationRecord } from '@daedalus/contracts';
import { Webhook, WebhookEvent } from './webhook-config';

/**
 * The body of a final-state delivery: what happened, never the request (it may hold sealed secrets) nor the
 * node results. `json`: the event and the operation's summary; `slack`: Slack's incoming-webhook `{text}`.
 */
export function webhookBody(webhook: Webhook, event: WebhookEvent, deliveryId: string, record: OperationRecord, sentAt: string): string {
  if (webhook.format === 'slack') return JSON.stringify({ text: slackText(record) });
  return JSON.stringify({
    id: deliveryId,
    event,
    sentAt,
    operation: {
      id: record.id,
      type: record.type,
      state: record.state,
      creationTime: record.creationTime,
      startTime: record.startTime ?? null,
      completionTime: record.completionTime ?? null,
      errors: record.errors,
      ...(record.submittedBy !== undefined ? { submittedBy: record.submittedBy } : {}),
      ...(record.resumeCount ? { resumeCount: record.resumeCount } : {}),
      nodes: Object.values(record.nodes ?? {}).map((node) => ({ hostId: node.hostId, address: node.address, state: node.state })),
    },
  });
}

function slackText(record: OperationRecord): string {
  const mark = record.state === 'COMPLETED' ? ':white_check_mark:' : record.state === 'CANCELLED' ? ':no_entry_sign:' : ':x:';
  const errors = record.errors.slice(0, 3).map((e) => `\n• ${e.source}: ${e.message}`);
  const more = record.errors.length > 3 ? `\n… and ${record.errors.length - 3} more error(s)` : '';
  return `${mark} Daedalus ${record.type} \`${record.id}\` ${record.state}${errors.join('')}${more}`;
}
