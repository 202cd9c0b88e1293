/**
 * The consuming side of `npm run bench -- delivery`, in a worker thread so it does not share the
 * exchange's event loop: each subscriber long-polls its subscription, reports what it received
 * and when, and acknowledges.
 */
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { base, subscribers } = workerData;
// this thread's id (/proc/thread-self is <pid>/task/<tid>), so its CPU can be told apart from the server's
try {
  parentPort.postMessage({ tid: Number(readlinkSync('/proc/thread-self').split('/').pop()) });
} catch {}
let running = true;
parentPort.on('message', (m) => {
  if (m === 'stop') running = false;
});

async function follow(s) {
  const headers = { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' };
  while (running) {
    const res = await fetch(`${base}/v1/subscriptions/${s.id}/events?limit=1000&wait=2`, { headers });
    const receivedAt = Date.now();
    if (!res.ok) {
      parentPort.postMessage({ sub: s.id, error: `${res.status} ${await res.text()}` });
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const batch = await res.json();
    if (batch.events.length) {
      parentPort.postMessage({ sub: s.id, first: batch.events[0].offset, last: batch.events[batch.events.length - 1].offset, count: batch.events.length, receivedAt });
      await fetch(`${base}/v1/subscriptions/${s.id}/ack`, { method: 'POST', headers, body: JSON.stringify(batch.next) });
    }
  }
}

await Promise.all(subscribers.map(follow));
parentPort.postMessage('done');
