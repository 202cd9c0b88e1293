import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo, BlockList } from 'node:net';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../exchange/config.ts';
import { postOutbound } from '../../exchange/outbound/post.ts';
import { outboundRules } from '../../exchange/outbound/rules.ts';

const servers: ReturnType<typeof createServer>[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A receiver on 127.0.0.1 that counts what reaches it. */
async function receiver(handler: RequestListener) {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, hits };
}

// the receivers listen on loopback: allowed here as an operator would allow them
const allowing = outboundRules(loadConfig({ BRX_OUTBOUND_HTTP_HOSTS: '127.0.0.1,localhost', BRX_OUTBOUND_ALLOW_NETWORKS: '127.0.0.0/8', BRX_OUTBOUND_TIMEOUT_MS: '300' }));
const post = (url: string, rules = allowing) => postOutbound(rules, url, '{"a":1}', () => ({ 'content-type': 'application/json' }));

describe('outbound POST', () => {
  it('succeeds on 2xx to an allowed receiver', async () => {
    const r = await receiver((_req, res) => res.writeHead(204).end());
    assert.deepEqual(await post(`http://127.0.0.1:${r.port}/hook`), { ok: true, status: 204 });
    assert.equal(r.hits.length, 1);
  });

  it('checks a host name after DNS: localhost resolves to loopback and nothing is sent', async () => {
    const r = await receiver((_req, res) => res.writeHead(204).end());
    // http allowed for the names, the loopback range not: the refusal comes from the resolved address
    const rules = outboundRules(loadConfig({ BRX_OUTBOUND_HTTP_HOSTS: 'localhost,brx-no-such-host.invalid' }));
    const refused = await post(`http://localhost:${r.port}/hook`, rules);
    assert.equal(r.hits.length, 0);
    // told exactly as a name that does not exist: lastError must not map the exchange's DNS
    const missing = await post('http://brx-no-such-host.invalid/hook', rules);
    assert.deepEqual(refused, { ok: false, error: 'host not allowed or not found' });
    assert.deepEqual(missing, refused);
  });

  it('refuses an internal IP literal before connecting (Node skips lookup for literals)', async () => {
    const r = await receiver((_req, res) => res.writeHead(204).end());
    const rules = outboundRules(loadConfig({ BRX_OUTBOUND_HTTP_HOSTS: '127.0.0.1,::1' }));
    assert.deepEqual(await post(`http://127.0.0.1:${r.port}/hook`, rules), { ok: false, error: 'address not allowed (loopback)' });
    assert.deepEqual(await post('https://169.254.169.254/latest/meta-data/', rules), { ok: false, error: 'address not allowed (link-local)' });
    assert.deepEqual(await post(`http://[::ffff:127.0.0.1]:${r.port}/`, rules), { ok: false, error: 'URL not allowed (must be https)' });
    assert.equal(r.hits.length, 0);
  });

  it('checks the address the socket connected to, last, before the body leaves', async () => {
    let bytes = 0;
    const r = await receiver(() => {});
    const closed = new Promise((resolve) =>
      servers.at(-1)!.once('connection', (socket) => {
        socket.on('data', (d) => (bytes += d.length));
        socket.on('close', resolve);
      }),
    );
    // a range that is allowed when the URL is checked and no longer when the socket connects: the
    // shape of a DNS answer that changes between the check and the connection
    let checks = 0;
    const changing = { ...allowing, allowed: { check: () => ++checks === 1 } as unknown as BlockList };
    assert.deepEqual(await post(`http://127.0.0.1:${r.port}/hook`, changing), { ok: false, error: 'address not allowed (loopback)' });
    assert.equal(checks, 2, 'once for the literal, once on connect');
    await closed; // the receiver's side of the connection, once the exchange has hung up
    assert.equal(bytes, 0, 'not a byte of the request reached the receiver');
    assert.equal(r.hits.length, 0);
  });

  it('does not follow redirects: a 3xx is a failure with its status', async () => {
    const target = await receiver((_req, res) => res.writeHead(204).end());
    const r = await receiver((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/elsewhere` }).end());
    assert.deepEqual(await post(`http://127.0.0.1:${r.port}/hook`), { ok: false, status: 302, error: 'HTTP 302' });
    assert.equal(target.hits.length, 0, 'the redirect target is never called');
  });

  it('tells the class of a failure, never the remote body or raw error text', async () => {
    const r = await receiver((_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('db password is hunter2; stack: at foo (/srv/app.js:1)'));
    assert.deepEqual(await post(`http://127.0.0.1:${r.port}/hook`), { ok: false, status: 500, error: 'HTTP 500' });
    const closed = await receiver(() => {});
    servers.pop()!.close();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(await post(`http://127.0.0.1:${closed.port}/hook`), { ok: false, error: 'connection refused' });
    assert.deepEqual(await post('http://brx-no-such-host.invalid/hook', outboundRules(loadConfig({ BRX_OUTBOUND_HTTP_HOSTS: 'brx-no-such-host.invalid' }))), {
      ok: false,
      error: 'host not allowed or not found',
    });
  });

  it('gives up at the timeout, which covers the whole exchange', async () => {
    const r = await receiver(() => {}); // never answers
    const started = performance.now();
    assert.deepEqual(await post(`http://127.0.0.1:${r.port}/hook`), { ok: false, error: 'timeout' });
    assert.ok(performance.now() - started < 5_000);
  });
});
