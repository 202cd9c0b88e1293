import { composeIdNumber } from '../../registries/identifiers/id-number.ts';
import type { TestApp } from './app.ts';
import { acted, buildCaseWorld, fileRequest } from './cases.ts';
import { licence, sendBatch, upsert } from './catalog.ts';
import { buildRegistryWorld, contribute } from './registries.ts';

/**
 * Something for every figure of the dashboard, all today: 4 licences published, a request
 * decided, 2 records read by the consuming system, a pull subscription (from before the publishing) 4 events behind, and one
 * open data-quality issue (two equally authoritative sources disagree on an address).
 */
export async function buildDashboardWorld(t: TestApp) {
  const w = await buildCaseWorld(t);
  const c = await fileRequest(t, w.consumer.token, { system: w.system.system.id, datasets: [{ code: w.licences.code, fields: ['uscc', 'name'] }], modes: ['pull', 'subscribe'] });
  await acted(t, w.approverA.token, c.trackingNo, { action: 'accept' });
  await acted(t, w.approverA.token, c.trackingNo, { action: 'decide', outcome: 'approve' });
  const sub = await t.call(w.system.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset: w.licences.code, delivery: 'pull', start: 'now' } });
  if (sub.statusCode !== 201) throw new Error(`subscribe: ${sub.statusCode} ${sub.body}`);
  const licences = [licence(), licence(), licence(), licence()];
  const batch = await sendBatch(t, w.node, w.licences.code, { batchId: 'dashboard-1', records: licences.map((l) => upsert(l)) });
  if (batch.statusCode !== 200) throw new Error(`batch: ${batch.statusCode} ${batch.body}`);
  for (const l of licences.slice(0, 2)) {
    const read = await t.call(w.system.apiKey, { method: 'GET', url: `/v1/datasets/${w.licences.code}/records/${l.uscc}` });
    if (read.statusCode !== 200) throw new Error(`read: ${read.statusCode} ${read.body}`);
  }
  const r = await buildRegistryWorld(t);
  const id = composeIdNumber('360502', '19900307', 11);
  const before = (ms: number) => new Date(t.clock.now().getTime() - ms).toISOString();
  await contribute(t, r.nodes.health, r.codes.population, [{ key: id, data: { idNumber: id, residenceAddress: '渝水区一路1号' }, at: before(2000) }]);
  await contribute(t, r.nodes.education, r.codes.population, [{ key: id, data: { idNumber: id, residenceAddress: '渝水区二路2号' }, at: before(1000) }]);
  return { ...w, registries: r, trackingNo: c.trackingNo };
}
