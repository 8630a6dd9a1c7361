import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a delivery is signed in: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (as Stripe's). */
export const SIGNATURE_HEADER = 'X-Daedalus-Signature';
/** The delivery's id, the same on every attempt and every coordinator: receivers de-duplicate on it. */
export const DELIVERY_HEADER = 'X-Daedalus-Delivery';
export const EVENT_HEADER = 'X-Daedalus-Event';

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The signature header's value for `body` sent at `timestamp` (unix seconds): the timestamp is signed too. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * What a receiver does: whether `header` is a valid signature of `body` under `secret`, made at most
 * `toleranceS` seconds from `nowS` (a replayed old delivery is refused).
 */
export function verifyWebhookSignature(secret: string, header: string, body: string, nowS: number, toleranceS = 300): boolean {
  const fields = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(fields.get('t'));
  const given = fields.get('v1') ?? '';
  if (!Number.isInteger(timestamp) || Math.abs(nowS - timestamp) > toleranceS || !/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(hmac(secret, timestamp, body), 'hex'));
}

/** The headers of one attempt: the signature (timestamp `nowMs`), the delivery id and the event. */
export function deliveryHeaders(secret: string, nowMs: number, body: string, deliveryId: string, event: string): Record<string, string> {
  return {
    [SIGNATURE_HEADER]: signWebhook(secret, Math.floor(nowMs / 1000), body),
    [DELIVERY_HEADER]: deliveryId,
    [EVENT_HEADER]: event,
  };
}
