import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Dataset } from '../../contracts/generated/api.ts';
import { buildSearchIndexes, searchIndexName } from '../../exchange/catalog/search-indexes.ts';
import { buildDepartment, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset } from '../support/catalog.ts';

let t: TestApp;

// a publishing request must never wait for an index build: it would be cancelled at this limit
before(async () => {
  t = await startTestApp({ BRX_DB_STATEMENT_TIMEOUT_MS: '2000' });
});

async function datasetNow(code: string): Promise<Dataset> {
  const res = await t.call(t.adminToken, { method: 'GET', url: `/v1/datasets/${code}` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

const stateOf = (d: Dataset, field: string) => d.searchIndexes?.find((i) => i.field === field)?.state;

describe('search indexes', () => {
  it('are built off the publishing request: publishing answers while a build could not even start', async () => {
    const dept = await buildDepartment(t);
    const draft = await buildDataset(t, dept.id, {}, { publish: false });
    // a session holding the lock every index build must take on records, for longer than a request may wait
    const blocker = await t.database.ownerDb.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      await sql`lock table records in share update exclusive mode`.execute(conn);
      try {
        const published = await t.call(t.adminToken, { method: 'POST', url: `/v1/datasets/${draft.code}/publish` });
        assert.equal(published.statusCode, 200, published.body);
        return published.json() as Dataset;
      } finally {
        await sql`rollback`.execute(conn);
      }
    });
    assert.equal(stateOf(blocker, 'uscc'), 'pending');
    assert.equal(stateOf(blocker, 'name'), 'pending');
    assert.equal(stateOf(blocker, 'legalRepresentative'), undefined, 'only searchable fields are indexed');

    const report = await buildSearchIndexes(t.database.ownerDb);
    assert.ok(report.built >= 2);
    const after = await datasetNow(draft.code);
    assert.equal(stateOf(after, 'uscc'), 'ready');
    assert.equal(stateOf(after, 'name'), 'ready');
  });

  it('rebuilds an index a failed build left INVALID, and shows it invalid until then', async () => {
    const dept = await buildDepartment(t);
    const dataset = await buildDataset(t, dept.id);
    await buildSearchIndexes(t.database.ownerDb);
    assert.equal(stateOf(await datasetNow(dataset.code), 'name'), 'ready');

    // what a cancelled CREATE INDEX CONCURRENTLY leaves behind
    const name = searchIndexName(dataset.id, 'name');
    await sql`update pg_index set indisvalid = false where indexrelid = ${name}::regclass`.execute(t.database.ownerDb);
    assert.equal(stateOf(await datasetNow(dataset.code), 'name'), 'invalid');

    const report = await buildSearchIndexes(t.database.ownerDb);
    assert.equal(report.rebuilt, 1);
    assert.equal(stateOf(await datasetNow(dataset.code), 'name'), 'ready');
    const { rows } = await sql<{ valid: boolean }>`select indisvalid as valid from pg_index where indexrelid = ${name}::regclass`.execute(t.database.db);
    assert.deepEqual(rows, [{ valid: true }]);
  });
});
