import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../../exchange/auth/principal.ts';
import type { ContractRow, DatasetRow } from '../../exchange/catalog/store.ts';
import { CursorSeal } from '../../exchange/delivery/cursor.ts';
import { ReadAccess } from '../../exchange/policy/read-policy.ts';
import { matchesRowFilter } from '../../exchange/policy/row-filter.ts';
import type { GrantRow } from '../../exchange/policy/grants.ts';
import { csvCell } from '../../exchange/records/export.ts';

const contract = {
  schema: {
    type: 'object',
    properties: {
      idNumber: { type: 'string', format: 'cn-id-number' },
      name: { type: 'string' },
      phone: { type: 'string' },
      region: { type: 'string' },
      guardian: { type: 'object', properties: { idNumber: { type: 'string', format: 'cn-id-number' }, name: { type: 'string' } } },
    },
  },
  fields: {
    idNumber: { title: '公民身份号码', sensitivity: 'sensitive-personal', masking: 'id-number', searchable: true },
    name: { title: '姓名', sensitivity: 'personal', masking: 'name', searchable: true },
    phone: { title: '联系电话', sensitivity: 'personal', masking: 'phone', searchable: true },
    region: { title: '行政区划', sensitivity: 'public' },
    guardian: { title: '监护人', sensitivity: 'personal', masking: 'redact' },
  },
} as unknown as ContractRow;
const dataset = { id: 'd', code: '360500-TEST-0001', key_field: 'idNumber' } as DatasetRow;
const system = { kind: 'system', systemId: 's', credentialId: 'c', name: '不动产登记系统', departmentId: 'dep' } as Principal;

function grant(g: Partial<GrantRow>): GrantRow {
  return { id: 'g', fields: ['idNumber', 'name'], masked_fields: [], row_filter: null, modes: ['pull'], purpose: '不动产登记', records_per_day: null, covert_until: null, ...g } as GrantRow;
}

const person = { idNumber: '36050219900101001X', name: '欧阳娜娜', phone: '13812341234', region: '360502', guardian: { idNumber: '360502196501010017', name: '欧阳锋' } };

describe('a grant’s view of a record', () => {
  it('holds only the granted fields', () => {
    const view = new ReadAccess(system, dataset, contract, grant({})).view(person);
    assert.deepEqual(view, { idNumber: '36050219900101001X', name: '欧阳娜娜' });
  });

  it('masks the masked fields by their contract rule, and drops a redacted one', () => {
    const access = new ReadAccess(system, dataset, contract, grant({ fields: ['idNumber', 'name', 'phone', 'guardian'], masked_fields: ['idNumber', 'phone', 'guardian'] }));
    assert.deepEqual(access.view(person), { idNumber: '360502********001X', name: '欧阳娜娜', phone: '138****1234' });
    assert.equal(access.shownKey(person.idNumber), '360502********001X', 'the key shows as its field does');
    assert.equal(new ReadAccess(system, dataset, contract, grant({ fields: ['name'] })).shownKey(person.idNumber), undefined, 'a key field not granted is not shown');
  });

  it('shows whole records to whole-record readers (provider, auditors)', () => {
    assert.deepEqual(new ReadAccess(system, dataset, contract, null).view(person), person);
  });

  it('lets a consumer search by searchable fields it was granted, masked or not', () => {
    const access = new ReadAccess(system, dataset, contract, grant({ masked_fields: ['idNumber'] }));
    assert.equal(access.searchProblem('idNumber'), null);
    assert.match(access.searchProblem('phone')!, /grant does not include phone/);
    assert.match(access.searchProblem('region')!, /not a searchable field/);
  });

  it('names every person the record is about, for their access report', () => {
    const access = new ReadAccess(system, dataset, contract, grant({}));
    assert.deepEqual(access.subjectKeys([{ key: person.idNumber, data: person }]), [person.idNumber, '360502196501010017']);
  });
});

describe('row filters', () => {
  it('keep records whose field starts with the prefix', () => {
    const filter = { field: 'region', prefix: '3605' };
    assert.equal(matchesRowFilter(person, filter), true);
    assert.equal(matchesRowFilter({ ...person, region: '360102' }, filter), false);
    assert.equal(matchesRowFilter({ ...person, region: undefined }, filter), false, 'no value, no row');
    assert.equal(matchesRowFilter(null, filter), false);
  });

  it('keep records whose field is one of the values', () => {
    const filter = { field: 'region', in: ['360502', '360521'] as [string, ...string[]] };
    assert.equal(matchesRowFilter(person, filter), true);
    assert.equal(matchesRowFilter({ ...person, region: '360503' }, filter), false);
    assert.equal(new ReadAccess(system, dataset, contract, grant({ row_filter: filter })).inScope({ ...person, region: '360503' }), false);
    assert.equal(matchesRowFilter(person, null), true, 'no filter: every row');
  });
});

describe('cursors', () => {
  it('hide the key they stand for and refuse forgeries', () => {
    const seal = new CursorSeal(Buffer.alloc(32, 7));
    const cursor = seal.seal(person.idNumber);
    assert.ok(!cursor.includes('360502'));
    assert.equal(seal.open(cursor), person.idNumber);
    assert.throws(() => seal.open(`${cursor.slice(0, -2)}AA`), /not one brx gave out/);
    assert.throws(() => new CursorSeal(Buffer.alloc(32, 8)).open(cursor), /not one brx gave out/);
  });
});

describe('CSV cells', () => {
  it('quote what needs quoting and never start a formula', () => {
    assert.equal(csvCell('欧阳娜娜'), '欧阳娜娜');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell(null), '');
    assert.equal(csvCell({ a: 1 }), '"{""a"":1}"');
  });
});
