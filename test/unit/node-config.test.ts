import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../adapters/node/config.ts';
import { halfWidth, mapRow } from '../../adapters/node/mapping.ts';
import { safeMessage } from '../../adapters/node/pace.ts';
import { missingColumns } from '../../adapters/sources/database.ts';
import type { RecordMapping } from '../../contracts/generated/node.ts';

/** The problems a configuration file is refused with, sorted. */
function problemsOf(file: string): string[] {
  try {
    loadConfig(file);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return [...e.problems].sort();
  }
  assert.fail('a bad configuration was accepted');
}

describe('node.yaml', () => {
  it('reports every bad key, type and missing value at once, each at its path', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'brx-node-config-'));
    const file = path.join(dir, 'node.yaml');
    await writeFile(
      file,
      `exchange:
  url: ftp://exchange
  apiKeyFile: key
jobs:
  - name: Households
    dataset: 360500-014283021-0001
    batchSize: 9000
    sourse: {}
    source: { kind: file-drop, folder: drop, format: xlsx }
`,
    );
    assert.deepEqual(problemsOf(file), [
      '/exchange/privateKeyFile: is missing',
      '/exchange/url: must match pattern "^https?://"',
      '/jobs/0/batchSize: must be <= 5000',
      '/jobs/0/name: must match pattern "^[a-z0-9][a-z0-9-]{0,62}$"',
      '/jobs/0/source/format: must be one of csv, ndjson, json',
      '/jobs/0/sourse: is not a setting (a typo?)',
    ]);
  });

  it('names the problems of database sources, receiving jobs and the listener by their paths', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'brx-node-config-'));
    await writeFile(path.join(dir, 'key'), 'brxn_secret');
    await writeFile(path.join(dir, 'node-key.pem'), 'PEM');
    const file = path.join(dir, 'node.yaml');
    await writeFile(
      file,
      `exchange: { url: "http://127.0.0.1:8080", apiKeyFile: key, privateKeyFile: node-key.pem }
jobs:
  - { name: people, dataset: d, source: { kind: postgres, urlFile: pg-url, table: people, watermark: { column: updated_at, type: clock } } }
  - { name: pushed, dataset: d, source: { kind: http-intake } }
  - { name: oracle, dataset: d, source: { kind: oracle } }
receive:
  - { name: people, dataset: d, system: not-a-uuid, target: { kind: mysql, table: people } }
`,
    );
    assert.deepEqual(problemsOf(file), [
      '/jobs/0/source/key: is missing',
      '/jobs/0/source/watermark/type: must be one of timestamp, sequence',
      '/jobs/2/source/kind: must be one of file-drop, postgres, mysql, http-intake',
      '/receive/0/system: must match format "uuid"',
      '/receive/0/target/urlFile: is missing',
    ]);
    await writeFile(file, (await import('node:fs')).readFileSync(file, 'utf8').replace('type: clock', 'type: sequence').replace(', watermark', ', key: id, watermark').replace(/ {2}- \{ name: oracle.*\n/, '').replace('not-a-uuid', '8f1f2c3e-1b2a-4c5d-9e8f-0a1b2c3d4e5f').replace('kind: mysql,', 'kind: mysql, urlFile: my-url,'));
    assert.deepEqual(problemsOf(file), [
      `/jobs/0/source/urlFile: ${path.join(dir, 'pg-url')} cannot be read (ENOENT)`,
      '/listen/apiKeyFile: is missing (a job takes pushes: business systems need a key to push with)',
      '/receive/0/name: "people" names another job too',
      `/receive/0/target/urlFile: ${path.join(dir, 'my-url')} cannot be read (ENOENT)`,
    ]);
  });

  it('reads the secrets and resolves paths relative to the file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'brx-node-config-'));
    await writeFile(path.join(dir, 'key'), 'brxn_secret\n');
    await writeFile(path.join(dir, 'node-key.pem'), 'PEM');
    await writeFile(path.join(dir, 'node.json'), JSON.stringify({ exchange: { url: 'http://127.0.0.1:8080/', apiKeyFile: 'key', privateKeyFile: 'node-key.pem' }, jobs: [{ name: 'a', dataset: 'x', source: { kind: 'file-drop', folder: 'drop' } }] }));
    const config = loadConfig(path.join(dir, 'node.json'));
    assert.equal(config.apiKey, 'brxn_secret');
    assert.equal(config.exchange.url, 'http://127.0.0.1:8080');
    assert.deepEqual(config.jobs[0]!.source, { kind: 'file-drop', folder: path.join(dir, 'drop'), encoding: 'auto', delimiter: ',' });
    assert.equal(config.spool, path.join(dir, 'spool.db'));
  });
});

describe('mapping a source row', () => {
  it('renames, types and transforms, and reports every problem of the row', () => {
    const mapping: RecordMapping = {
      fields: {
        idNumber: { from: 'SFZH', transforms: ['trim', 'halfwidth', 'upper'] },
        gender: { from: 'XB', transforms: [{ codes: { 男: '1', 女: '2' } }] },
        birthDate: { from: 'CSRQ', transforms: [{ date: 'YYYY年MM月DD日' }] },
        capital: { from: 'ZCZB', type: 'number' },
        source: { constant: '户籍系统' },
      },
      deleteWhen: { field: 'ZT', values: ['注销'] },
    };
    const ok = mapRow({ SFZH: ' １１０１０５１９４９１２３１００２ｘ ', XB: '女', CSRQ: '1949年12月31日', ZCZB: '100.5', ZT: '正常' }, mapping);
    assert.deepEqual(ok, { mapped: { op: 'upsert', data: { idNumber: '11010519491231002X', gender: '2', birthDate: '1949-12-31', capital: 100.5, source: '户籍系统' }, sourceTime: null }, problems: [] });
    const gone = mapRow({ SFZH: '11010519491231002X', XB: '男', CSRQ: '1949年12月31日', ZCZB: '', ZT: '注销' }, mapping);
    assert.equal(gone.mapped?.op, 'delete');
    assert.equal(gone.mapped?.data.capital, undefined, 'an empty cell is an absent value');
    const bad = mapRow({ SFZH: 'x', XB: '未知', CSRQ: '1949-12-31', ZCZB: '一百' }, mapping);
    assert.equal(bad.mapped, null);
    assert.deepEqual(bad.problems.map((p) => p.field), ['gender', 'birthDate', 'capital']);
  });

  it('turns full-width characters and the ideographic space into half-width', () => {
    assert.equal(halfWidth('ＡＢＣ１２３（测试）\u3000！'), 'ABC123(测试) !');
  });
});

describe('a database source’s columns', () => {
  it('names every column the job needs that the table lacks (a misspelt mapping would reject every row of the back-fill)', () => {
    const source = { kind: 'postgres', urlFile: 'x', table: 't', key: 'id', watermark: { column: 'gxsj' } } as const;
    const mapping: RecordMapping = { fields: { idNumber: { from: 'sfzhh' }, name: { from: 'xm' }, region: { constant: '360500' }, gender: {} }, deleteWhen: { field: 'scbz', values: ['1'] } };
    assert.deepEqual(missingColumns({ id: 1, sfzh: 'x', xm: 'y', gxsj: 'z' }, source, mapping), ['scbz', 'sfzhh', 'gender']);
  });
});

describe('the node’s error messages', () => {
  it('drop the values drivers quote, keep the names', () => {
    assert.equal(safeMessage(new Error("Duplicate entry '360502199001011234' for key 'uk_sfzh'")), "Duplicate entry '…' for key '…'");
    assert.equal(safeMessage(new Error('invalid input syntax for type bigint: "36050219900101123X"')), 'invalid input syntax for type bigint: "…"');
    assert.equal(safeMessage(new Error('relation "hj_rkxx" does not exist')), 'relation "hj_rkxx" does not exist');
  });
});
