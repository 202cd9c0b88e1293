import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { NewEvent } from '../../exchange/events/event-log.ts';
import { PgEventLog } from '../../exchange/events/pg-event-log.ts';
import { buildDepartment, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset } from '../support/catalog.ts';

let t: TestApp;
let log: PgEventLog;
before(async () => {
  t = await startTestApp();
  log = new PgEventLog(t.database.db);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const event = (key: string): NewEvent => ({
  key,
  op: 'upsert',
  data: { key },
  contractVersion: '1.0',
  sourceTime: new Date(),
  batchId: 'test',
});

describe('event offsets', () => {
  it('a second transaction cannot commit offsets before the first: it waits for the first to finish', async () => {
    const { id } = await buildDataset(t, (await buildDepartment(t)).id);
    let releaseA!: () => void;
    const aHolds = new Promise<void>((r) => (releaseA = r));
    let aAppended!: () => void;
    const aHasOffsets = new Promise<void>((r) => (aAppended = r));
    const order: string[] = [];

    const a = t.database.db.transaction().execute(async (trx) => {
      const r = await log.append(trx, id, [event('a1'), event('a2')]);
      aAppended();
      await aHolds; // A has its offsets but has not committed
      order.push('A commits');
      return r;
    });
    await aHasOffsets;
    const b = t.database.db.transaction().execute(async (trx) => {
      const r = await log.append(trx, id, [event('b1')]);
      order.push('B has offsets');
      return r; // B would commit at once
    });
    await sleep(300);
    assert.deepEqual(order, [], 'B is still waiting: it cannot take an offset while A is open');
    assert.deepEqual(await log.read(id, 0, 100), [], 'a reader sees neither');
    releaseA();
    const [ra, rb] = await Promise.all([a, b]);
    assert.deepEqual(order, ['A commits', 'B has offsets']);
    assert.deepEqual([ra, rb], [{ first: 1, last: 2 }, { first: 3, last: 3 }]);
    assert.deepEqual((await log.read(id, 0, 100)).map((e) => [e.offset, e.key]), [[1, 'a1'], [2, 'a2'], [3, 'b1']]);
  });

  it('under concurrent writers with random commit delays and rollbacks, every read is a gap-free prefix', async () => {
    const { id } = await buildDataset(t, (await buildDepartment(t)).id);
    const snapshots: number[][] = [];
    let writing = true;
    const reader = (async () => {
      while (writing) {
        snapshots.push((await log.read(id, 0, 10_000)).map((e) => e.offset));
        await sleep(1);
      }
    })();
    let rolledBack = 0;
    await Promise.all(
      Array.from({ length: 12 }, (_, w) =>
        (async () => {
          for (let round = 0; round < 4; round++) {
            await t.database.db
              .transaction()
              .execute(async (trx) => {
                await log.append(trx, id, [event(`w${w}r${round}a`), event(`w${w}r${round}b`)]);
                await sleep(Math.random() * 25);
                if ((w + round) % 7 === 0) throw new Error('roll back');
              })
              .catch(() => (rolledBack += 1));
          }
        })(),
      ),
    );
    writing = false;
    await reader;
    snapshots.push((await log.read(id, 0, 10_000)).map((e) => e.offset));
    const final = snapshots.at(-1)!;
    assert.ok(rolledBack > 0);
    assert.equal(final.length, (48 - rolledBack) * 2, 'every committed event is there, none of the rolled-back ones');
    let seen = 0;
    for (const offsets of snapshots) {
      assert.deepEqual(offsets, Array.from({ length: offsets.length }, (_, i) => i + 1), 'a gap-free prefix');
      assert.ok(offsets.length >= seen, 'nothing seen disappears');
      seen = offsets.length;
    }
    assert.ok(snapshots.length > 10, `the reader polled ${snapshots.length} times while writers ran`);
  });
});
