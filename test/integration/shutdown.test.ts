import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { adminPassword, startTestApp } from '../support/app.ts';

describe('graceful shutdown', () => {
  it('finishes a request in flight, then flushes the audit writer and stops listening', async () => {
    const t = await startTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    // a login spends ~50 ms in scrypt: long enough to be in flight when close begins
    const inFlight = fetch(`${url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: adminPassword }),
    });
    await new Promise((r) => setTimeout(r, 15));
    const audited = t.app.audit.record({
      actor: { kind: 'system', credentialId: 'c', systemId: '00000000-0000-4000-8000-000000000001', name: 's', departmentId: '00000000-0000-4000-8000-000000000002' },
      mode: 'pull',
      outcome: 'ok',
      dataset: 'shutdown.ds',
    });
    await t.app.close();
    const res = await inFlight;
    assert.equal(res.status, 200);
    await audited;
    const row = await t.database.db.selectFrom('audit_access').select('seq').where('dataset', '=', 'shutdown.ds').executeTakeFirst();
    assert.ok(row, 'the audit entry queued before close is durable');
    await assert.rejects(fetch(`${url}/healthz`), 'no longer listening');
  });
});
