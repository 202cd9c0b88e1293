import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { anyone } from '../../exchange/auth/guard.ts';
import { loadConfig } from '../../exchange/config.ts';
import { buildApp } from '../../exchange/server.ts';
import { buildDepartment, buildSystem, startTestApp } from '../support/app.ts';

describe('graceful shutdown', () => {
  it('finishes a request in flight, then flushes the audit writer and stops listening', async () => {
    const t = await startTestApp(); // for a system's API key
    const { apiKey } = await buildSystem(t, (await buildDepartment(t)).id);
    // a second app on the same database, with a route that is slow on purpose
    const database = t.database;
    const app = await buildApp({ config: loadConfig({ BRX_LOG_LEVEL: 'silent', BRX_HOME: t.config.home }), db: database.db, logger: false });
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    app.get('/v1/test/slow', { config: { access: anyone } }, async (request) => {
      entered();
      await new Promise((r) => setTimeout(r, 300));
      await app.audit.record({ actor: request.principal!, mode: 'pull', outcome: 'ok', dataset: 'shutdown.ds' });
      return { done: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const inFlight = fetch(`${url}/v1/test/slow`, { headers: { authorization: `Bearer ${apiKey}` } });
    await inside;
    await app.close();
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { done: true });
    const row = await database.db.selectFrom('audit_access').select('seq').where('dataset', '=', 'shutdown.ds').executeTakeFirst();
    assert.ok(row, 'the in-flight request’s audit entry is durable when close returns');
    await assert.rejects(fetch(`${url}/healthz`), 'no longer listening');
  });
});
