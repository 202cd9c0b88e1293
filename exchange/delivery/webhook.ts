import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { type OutboundResult, postOutbound } from '../outbound/post.ts';
import type { OutboundRules } from '../outbound/rules.ts';

/**
 * Signed webhooks. The signature is HMAC-SHA256, keyed with the receiver's secret, over
 * `<timestamp>.<raw body>`; the timestamp (Unix seconds) travels in its own header so a receiver
 * can refuse replays outside a window. Receivers: see README § Webhooks for a verifier.
 */
export const webhookHeaders = {
  signature: 'x-brx-signature',
  timestamp: 'x-brx-timestamp',
  delivery: 'x-brx-delivery',
} as const;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: recompute, compare in constant time, and refuse stale timestamps. */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  const timestamp = Number(headers[webhookHeaders.timestamp]);
  const signature = headers[webhookHeaders.signature];
  if (!Number.isInteger(timestamp) || typeof signature !== 'string') return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export type WebhookResult = OutboundResult;

/**
 * One attempt, through the outbound rules: a 2xx answer within the timeout is success; anything
 * else is retried by the caller. The timestamp is read from the clock as the request leaves, so
 * every POST is signed with its own time, however long the deliveries before it took.
 */
export function postWebhook(
  rules: OutboundRules,
  url: string,
  secret: string,
  body: string,
  options: { deliveryId: string; clock: Clock },
): Promise<WebhookResult> {
  return postOutbound(rules, url, body, () => {
    const timestamp = Math.floor(options.clock.now().getTime() / 1000);
    return {
      'content-type': 'application/json',
      [webhookHeaders.timestamp]: String(timestamp),
      [webhookHeaders.signature]: signWebhook(secret, timestamp, body),
      [webhookHeaders.delivery]: options.deliveryId,
    };
  });
}

/** Exponential backoff with jitter: 10 s, 20 s, 40 s … capped at an hour, each ±50 %. */
export function retryDelayMs(attempts: number, random = Math.random): number {
  const base = Math.min(10_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
  return Math.round(base * (0.5 + random()));
}
