import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryDelayMs, signWebhook, verifyWebhook, webhookHeaders } from '../../exchange/delivery/webhook.ts';

describe('webhook signatures', () => {
  const secret = 'a-receiver-secret-of-length';
  const body = '{"kind":"decided","caseNo":"SQ-20261122-000001"}';
  const at = 1_795_000_000;
  const headers = { [webhookHeaders.timestamp]: String(at), [webhookHeaders.signature]: signWebhook(secret, at, body) };

  it('verifies what it signed, within the replay window', () => {
    assert.match(headers[webhookHeaders.signature]!, /^v1=[0-9a-f]{64}$/);
    assert.equal(verifyWebhook(secret, headers, body, { now: at + 10 }), true);
  });

  it('refuses another body, another secret, a moved timestamp and a stale delivery', () => {
    assert.equal(verifyWebhook(secret, headers, body.replace('decided', 'escalated'), { now: at }), false);
    assert.equal(verifyWebhook('another-secret-entirely', headers, body, { now: at }), false);
    assert.equal(verifyWebhook(secret, { ...headers, [webhookHeaders.timestamp]: String(at + 1) }, body, { now: at }), false);
    assert.equal(verifyWebhook(secret, headers, body, { now: at + 301 }), false);
    assert.equal(verifyWebhook(secret, {}, body, { now: at }), false);
  });

  it('backs off exponentially with jitter, up to an hour', () => {
    const mid = () => 0.5;
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(n, mid)), [10_000, 20_000, 40_000, 80_000]);
    assert.equal(retryDelayMs(30, mid), 3_600_000);
    assert.equal(retryDelayMs(1, () => 0), 5_000);
    assert.equal(retryDelayMs(1, () => 0.999999), 15_000);
  });
});
