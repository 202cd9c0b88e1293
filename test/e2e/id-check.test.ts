import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

const brx = (args: string[], input?: string) =>
  spawnSync(process.execPath, ['bin/brx.js', ...args], { input, encoding: 'utf8', timeout: 30_000 });

describe('brx id check', () => {
  it('prints one JSON line per value, guessing the kind, and exits 1 when one is invalid', () => {
    const r = brx(['id', 'check', '11010519491231002x', '91350100M000100Y44']);
    assert.equal(r.status, 1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.value, l.kind, l.valid, l.normalized]),
      [
        ['11010519491231002x', 'id-number', true, '11010519491231002X'],
        ['91350100M000100Y44', 'uscc', false, '91350100M000100Y44'],
      ],
    );
    assert.equal(lines[1].errors[0].rule, 'check');
  });

  it('reads values from standard input with --kind, and exits 0 when all are valid', () => {
    const r = brx(['id', 'check', '--kind', 'region-code'], '360502\n360500\n\n');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l).facts.fullName), ['江西省新余市渝水区', '江西省新余市']);
  });
});
