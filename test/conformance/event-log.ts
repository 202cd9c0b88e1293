/**
 * Conformance tests of the EventLog interface: what every implementation (PostgreSQL now, Kafka
 * next) must guarantee to the delivery paths. Call `eventLogConformance` from an implementation's
 * test file with a fixture that makes datasets and runs transactions.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describe, it } from 'node:test';
import type { Tx } from '../../exchange/db/database.ts';
import type { EventLog, NewEvent } from '../../exchange/events/event-log.ts';
import { eventually, until } from '../support/database.ts';

export interface EventLogFixture {
  readonly log: EventLog;
  /** a fresh dataset id with no events */
  newDataset(): Promise<string>;
  transaction<T>(fn: (trx: Tx) => Promise<T>): Promise<T>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const event = (key: string, data: unknown = { key }): NewEvent => ({
  key,
  op: 'upsert',
  data,
  contractVersion: '1.0',
  sourceTime: new Date(),
  batchId: 'conformance',
});

/** Waits until readers can see offset `last` (at once on PostgreSQL; after the relay on Kafka). */
const visible = (f: EventLogFixture, ds: string, last: number) => eventually(`offset ${last} visible`, async () => (await f.log.head(ds)) >= last);

export function eventLogConformance(name: string, fixture: () => EventLogFixture, options: { skip?: string | false } = {}): void {
  describe(`EventLog conformance: ${name}`, { skip: options.skip }, () => {
    it('appends take dense increasing offsets, and reads return them in order from any offset', async () => {
      const f = fixture();
      const ds = await f.newDataset();
      assert.equal(await f.log.head(ds), 0);
      assert.deepEqual(await f.transaction((trx) => f.log.append(trx, ds, [event('a'), event('b'), event('c')])), { first: 1, last: 3 });
      assert.deepEqual(await f.transaction((trx) => f.log.append(trx, ds, [event('d')])), { first: 4, last: 4 });
      assert.equal(await f.transaction((trx) => f.log.append(trx, ds, [])), null);
      await visible(f, ds, 4);
      assert.equal(await f.log.head(ds), 4);
      assert.deepEqual((await f.log.read(ds, 0, 10)).map((e) => [e.offset, e.key]), [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']]);
      assert.deepEqual((await f.log.read(ds, 1, 2)).map((e) => e.offset), [2, 3]);
      assert.deepEqual(await f.log.read(ds, 4, 10), []);
      const [first] = await f.log.read(ds, 0, 1);
      assert.equal(first!.datasetId, ds);
      assert.ok(first!.committedAt instanceof Date && first!.sourceTime instanceof Date);
    });

    it('a bulk append (reserve, the writer’s own statement, publish) is read like any other, and history answers by key', async () => {
      const f = fixture();
      const ds = await f.newDataset();
      await f.transaction((trx) => f.log.append(trx, ds, [event('a', { v: 1 })]));
      const published = await f.transaction(async (trx) => {
        const r = await f.log.reserve(trx, ds);
        assert.equal(r.last, 1);
        await r
          .insert(sql`select ${r.last}::bigint + n, 'k' || n, case when n = 2 then 'delete' else 'upsert' end,
                             case when n = 2 then null else jsonb_build_object('n', n) end, '1.0', now(), 'bulk', null::jsonb
                        from generate_series(1, 3) n`)
          .execute(trx);
        return r.publish(3);
      });
      assert.deepEqual(published, { first: 2, last: 4 });
      assert.equal(await f.transaction(async (trx) => (await f.log.reserve(trx, ds)).publish(0)), null, 'nothing written, nothing published');
      await visible(f, ds, 4);
      assert.equal((await f.log.heads()).get(ds), 4);
      assert.deepEqual(
        (await f.log.read(ds, 0, 10)).map((e) => [e.offset, e.key, e.op, e.data]),
        [[1, 'a', 'upsert', { v: 1 }], [2, 'k1', 'upsert', { n: 1 }], [3, 'k2', 'delete', null], [4, 'k3', 'upsert', { n: 3 }]],
      );
      await f.transaction((trx) => f.log.append(trx, ds, [event('a', { v: 2 })]));
      await visible(f, ds, 5);
      const before = await f.log.lastBefore(ds, ['a', 'k2', 'nobody'], 5);
      assert.deepEqual([...before].map(([k, e]) => [k, e.offset]).sort(), [['a', 1], ['k2', 3]]);
      const [latest] = await f.log.read(ds, 4, 1);
      assert.equal((await f.log.committedAt(ds, 5))?.getTime(), latest!.committedAt.getTime());
      assert.equal(await f.log.committedAt(ds, 6), undefined, 'no event 6 yet');
      // a Date holds milliseconds, the log microseconds: the next millisecond is surely after it
      assert.deepEqual((await f.log.lastAsOf(ds, 'a', new Date(latest!.committedAt.getTime() + 1)))?.data, { v: 2 });
      assert.equal(await f.log.lastAsOf(ds, 'a', new Date(latest!.committedAt.getTime() - 3_600_000)), undefined, 'not there an hour before');
    });

    it('a rolled-back append leaves neither its events nor a gap', async () => {
      const f = fixture();
      const ds = await f.newDataset();
      await f.transaction((trx) => f.log.append(trx, ds, [event('kept')]));
      await assert.rejects(
        f.transaction(async (trx) => {
          await f.log.append(trx, ds, [event('lost1'), event('lost2')]);
          throw new Error('roll back');
        }),
      );
      await f.transaction((trx) => f.log.append(trx, ds, [event('next')]));
      await visible(f, ds, 2);
      assert.deepEqual((await f.log.read(ds, 0, 10)).map((e) => [e.offset, e.key]), [[1, 'kept'], [2, 'next']]);
    });

    it('wait wakes soon after a commit, not for a rollback, and returns at once when events are already there', async () => {
      const f = fixture();
      const ds = await f.newDataset();
      const started = Date.now();
      const waiting = f.log.wait(ds, 0, 10_000);
      await until(() => f.log.waiting > 0);
      await assert.rejects(
        f.transaction(async (trx) => {
          await f.log.append(trx, ds, [event('rolled back')]);
          throw new Error('roll back');
        }),
      );
      await sleep(100);
      await f.transaction((trx) => f.log.append(trx, ds, [event('x')]));
      assert.equal(await waiting, true);
      assert.ok(Date.now() - started < 2_000, `woken after ${Date.now() - started} ms`);

      const t0 = Date.now();
      assert.equal(await f.log.wait(ds, 0, 10_000), true, 'an event after 0 exists');
      assert.ok(Date.now() - t0 < 500);
      assert.equal(await f.log.wait(ds, 1, 300), false, 'nothing after 1: times out');
      const abort = new AbortController();
      const aborted = f.log.wait(ds, 1, 10_000, abort.signal);
      abort.abort();
      assert.equal(await aborted, false);
      const other = await f.newDataset();
      const elsewhere = f.log.wait(ds, 1, 400);
      await f.transaction((trx) => f.log.append(trx, other, [event('other dataset')]));
      assert.equal(await elsewhere, false, 'another dataset’s commit does not count');
    });

    it('a consumer acking what it has seen misses no event when two transactions commit out of offset order', async () => {
      const f = fixture();
      const ds = await f.newDataset();
      let releaseA!: () => void;
      const aHolds = new Promise<void>((r) => (releaseA = r));
      let aAppended!: () => void;
      const aHasOffsets = new Promise<void>((r) => (aAppended = r));
      // A takes the lower offsets and holds its transaction open
      const a = f.transaction(async (trx) => {
        await f.log.append(trx, ds, [event('a1'), event('a2')]);
        aAppended();
        await aHolds;
      });
      await aHasOffsets;
      // B appends after A and tries to commit first (an implementation may make it wait for A)
      const b = f.transaction((trx) => f.log.append(trx, ds, [event('b1')]));
      const seen: string[] = [];
      let acked = 0;
      const consume = async () => {
        const events = await f.log.read(ds, acked, 100);
        for (const e of events) seen.push(e.key);
        if (events.length) acked = events[events.length - 1]!.offset;
      };
      await Promise.race([b, sleep(300)]); // B has committed, or is held back
      await consume(); // the consumer reads (and acks) while A is still open
      releaseA();
      await Promise.all([a, b]);
      await visible(f, ds, 3);
      await consume();
      assert.deepEqual([...seen].sort(), ['a1', 'a2', 'b1'], 'every event reached the consumer');
      assert.deepEqual(seen, ['a1', 'a2', 'b1'], 'in offset order');
    });

    it('under concurrent writers with random commit delays and rollbacks, every read is a gap-free prefix, in order per key', async () => {
      const f = fixture();
      const ds = await f.newDataset();
      const snapshots: number[][] = [];
      let writing = true;
      const reader = (async () => {
        while (writing) {
          snapshots.push((await f.log.read(ds, 0, 10_000)).map((e) => e.offset));
          await sleep(1);
        }
      })();
      let rolledBack = 0;
      await Promise.all(
        Array.from({ length: 12 }, (_, w) =>
          (async () => {
            for (let round = 0; round < 4; round++) {
              await f
                .transaction(async (trx) => {
                  await f.log.append(trx, ds, [event(`w${w}`, { round, part: 'a' }), event(`w${w}`, { round, part: 'b' })]);
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
      await visible(f, ds, (48 - rolledBack) * 2);
      const all = await f.log.read(ds, 0, 10_000);
      snapshots.push(all.map((e) => e.offset));
      assert.ok(rolledBack > 0);
      assert.equal(all.length, (48 - rolledBack) * 2, 'every committed event is there, none of the rolled-back ones');
      let seen = 0;
      for (const offsets of snapshots) {
        assert.deepEqual(offsets, Array.from({ length: offsets.length }, (_, i) => i + 1), 'a gap-free prefix');
        assert.ok(offsets.length >= seen, 'nothing seen disappears');
        seen = offsets.length;
      }
      assert.ok(snapshots.length > 10, `the reader polled ${snapshots.length} times while writers ran`);
      const perKey = new Map<string, string[]>();
      for (const e of all) perKey.set(e.key, [...(perKey.get(e.key) ?? []), JSON.stringify(e.data)]);
      for (const [key, versions] of perKey) {
        const order = versions.map((v) => JSON.parse(v) as { round: number; part: string });
        const sorted = [...order].sort((x, y) => x.round - y.round || x.part.localeCompare(y.part));
        assert.deepEqual(order, sorted, `${key}: its events in the order they were written`);
      }
    });
  });
}
