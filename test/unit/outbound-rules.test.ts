import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../exchange/config.ts';
import { outboundRules, refusedAddress, urlProblem } from '../../exchange/outbound/rules.ts';

const strict = outboundRules(loadConfig({}));

describe('outbound rules: addresses', () => {
  it('refuses every internal range, IPv4 and IPv6, mapped addresses too', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.1.2', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['10.1.2.3', 'private network'],
      ['172.16.0.1', 'private network'],
      ['172.31.255.255', 'private network'],
      ['192.168.1.1', 'private network'],
      ['100.64.0.1', 'private network'],
      ['fc00::1', 'private network'],
      ['fd12:3456::1', 'private network'],
      ['::ffff:10.0.0.1', 'private network'],
      ['169.254.169.254', 'link-local'],
      ['::ffff:169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['224.0.0.1', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['ff02::1', 'multicast'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['255.255.255.255', 'broadcast'],
      ['240.0.0.1', 'reserved'],
      ['64:ff9b::7f00:1', 'reserved'],
    ];
    for (const [address, kind] of cases) assert.equal(refusedAddress(strict, address), kind, address);
  });

  it('refuses IPv4-translated addresses, site-local IPv6 and the 6to4 relay anycast range', () => {
    const cases: [string, string][] = [
      // ::ffff:0:0/96 (SIIT) embeds an IPv4 address that BlockList does not unwrap as it does ::ffff:a.b.c.d
      ['::ffff:0:7f00:1', 'reserved'],
      ['::ffff:0:a9fe:a9fe', 'reserved'],
      ['::ffff:0:808:808', 'reserved'],
      ['fec0::1', 'site-local'],
      ['feff:ffff::1', 'site-local'],
      ['192.88.99.1', 'reserved'],
      ['::ffff:192.88.99.1', 'reserved'],
    ];
    for (const [address, kind] of cases) assert.equal(refusedAddress(strict, address), kind, address);
    for (const url of ['https://[::ffff:0:7f00:1]/', 'https://[fec0::1]/', 'https://192.88.99.1/']) {
      assert.match(urlProblem(strict, url) ?? 'accepted', /^address not allowed \((reserved|site-local)\)$/, url);
    }
    // the neighbours stay reachable
    for (const address of ['192.88.98.1', '192.88.100.1']) assert.equal(refusedAddress(strict, address), null, address);
  });

  it('lets public addresses through', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(refusedAddress(strict, address), null, address);
    }
  });

  it('allows exactly the ranges the configuration names', () => {
    const rules = outboundRules(loadConfig({ BRX_OUTBOUND_ALLOW_NETWORKS: '127.0.0.0/8, ::1/128,10.20.0.0/16' }));
    assert.equal(refusedAddress(rules, '127.0.0.1'), null);
    assert.equal(refusedAddress(rules, '::ffff:127.0.0.1'), null, 'a mapped address is its IPv4 address');
    assert.equal(refusedAddress(rules, '::1'), null);
    assert.equal(refusedAddress(rules, '10.20.3.4'), null);
    assert.equal(refusedAddress(rules, '10.21.0.1'), 'private network');
    assert.equal(refusedAddress(rules, '169.254.169.254'), 'link-local');
  });
});

describe('outbound rules: URLs', () => {
  it('takes https to a name or a public address', () => {
    assert.equal(urlProblem(strict, 'https://hooks.example.gov.cn/brx'), null);
    assert.equal(urlProblem(strict, 'https://93.184.216.34:8443/brx'), null);
  });

  it('refuses another scheme, plain http, credentials and internal literals, however written', () => {
    assert.match(urlProblem(strict, 'http://hooks.example.gov.cn/brx')!, /must be https/);
    assert.match(urlProblem(strict, 'ftp://hooks.example.gov.cn/brx')!, /must be an https URL/);
    assert.match(urlProblem(strict, 'file:///etc/passwd')!, /https/);
    assert.match(urlProblem(strict, 'https://user:pw@hooks.example.gov.cn/')!, /user name or password/);
    assert.equal(urlProblem(strict, 'not a url'), 'not a URL');
    for (const url of [
      'https://127.0.0.1:5432/',
      'https://2130706433/', // 127.0.0.1 as one number
      'https://0x7f.1/',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://169.254.169.254/latest/meta-data/',
      'https://0.0.0.0/',
      'https://[fe80::1]/',
    ]) {
      assert.match(urlProblem(strict, url) ?? 'accepted', /^address not allowed/, url);
    }
  });

  it('takes plain http only to listed hosts, and still checks their address', () => {
    const rules = outboundRules(loadConfig({ BRX_OUTBOUND_HTTP_HOSTS: 'receiver.internal,127.0.0.1' }));
    assert.equal(urlProblem(rules, 'http://receiver.internal:8080/'), null);
    assert.equal(urlProblem(rules, 'http://Receiver.Internal/'), null, 'host names are case-insensitive');
    assert.match(urlProblem(rules, 'http://other.internal/')!, /must be https/);
    assert.equal(urlProblem(rules, 'http://127.0.0.1:9/'), 'address not allowed (loopback)', 'http allowed, the range is not');
  });

  it('names the variable when the configuration is wrong', () => {
    assert.throws(() => loadConfig({ BRX_OUTBOUND_ALLOW_NETWORKS: '127.0.0.1' }), (e: Error) => e instanceof ConfigError && /BRX_OUTBOUND_ALLOW_NETWORKS/.test(e.message));
    assert.throws(() => loadConfig({ BRX_OUTBOUND_ALLOW_NETWORKS: '10.0.0.0/33' }), /BRX_OUTBOUND_ALLOW_NETWORKS/);
    assert.throws(() => loadConfig({ BRX_OUTBOUND_ALLOW_NETWORKS: 'localhost/8' }), /BRX_OUTBOUND_ALLOW_NETWORKS/);
    assert.throws(() => loadConfig({ BRX_SECRET_KEY: 'too-short' }), (e: Error) => /BRX_SECRET_KEY/.test(e.message) && !e.message.includes('too-short'));
    assert.throws(() => loadConfig({ BRX_OUTBOUND_TIMEOUT_MS: '0' }), /BRX_OUTBOUND_TIMEOUT_MS/);
  });
});
