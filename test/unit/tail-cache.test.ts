import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../exchange/events/event-log.ts';
import { TailCache } from '../../exchange/events/kafka/tail-cache.ts';

const run = (from: number, to: number): StoredEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    datasetId: 'd',
    offset: from + i,
    key: `k${from + i}`,
    op: 'upsert',
    data: null,
    contractVersion: '1.0',
    sourceTime: new Date(0),
    committedAt: new Date(0),
    batchId: 'b',
  }));
const offsets = (events: StoredEvent[]) => events.map((e) => e.offset);

describe('the tail of newest events kept for readers', () => {
  it('serves a consecutive run after a position, extended by later runs and by earlier ones that reach it', () => {
    const tail = new TailCache(100, 4);
    tail.add('d', run(11, 20));
    assert.deepEqual(offsets(tail.run('d', 10, 5)), [11, 12, 13, 14, 15]);
    assert.deepEqual(offsets(tail.run('d', 18, 5)), [19, 20], 'as many as are kept');
    assert.deepEqual(tail.run('d', 20, 5), [], 'nothing after the newest');
    assert.deepEqual(tail.run('d', 5, 5), [], 'nothing for a position before the kept run');
    tail.add('d', run(18, 25)); // overlapping: repeats are dropped
    assert.deepEqual(offsets(tail.run('d', 19, 10)), [20, 21, 22, 23, 24, 25]);
    tail.add('d', run(4, 10)); // ends where the kept run begins
    assert.deepEqual(offsets(tail.run('d', 3, 30)), run(4, 25).map((e) => e.offset));
    tail.add('d', run(1, 2)); // older and apart: ignored
    assert.deepEqual(tail.run('d', 0, 5), []);
    tail.add('d', run(40, 41)); // newer and apart: the newer run is kept
    assert.deepEqual(offsets(tail.run('d', 39, 5)), [40, 41]);
    assert.deepEqual(tail.run('d', 10, 5), []);
  });

  it('keeps at most its share per dataset and drops the dataset read least lately', () => {
    const tail = new TailCache(10, 2);
    tail.add('a', run(1, 25));
    assert.deepEqual(offsets(tail.run('a', 0, 100)), [], 'the oldest fifteen are gone');
    assert.deepEqual(offsets(tail.run('a', 15, 100)), run(16, 25).map((e) => e.offset));
    tail.add('b', run(1, 3));
    tail.run('a', 15, 1); // a was read more lately than b
    tail.add('c', run(1, 3));
    assert.deepEqual(tail.run('b', 0, 3), [], 'b made room');
    assert.equal(tail.run('a', 15, 1).length, 1);
    assert.equal(tail.run('c', 0, 3).length, 3);
  });
});
