import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Contribution, compactProvenance, expandProvenance, mergeContributions } from '../../registries/merge.ts';

const key = '360502199003070016';
const police = 'police';
const civil = 'civil';
const health = 'health';
const c = (department: string, data: Record<string, unknown> | null, at: string, batchId = `${department}-b`): Contribution => ({
  department,
  data,
  sourceTime: new Date(at),
  batchId,
});
const rules = { maritalStatus: [civil, police], status: [civil, health, police], '*': [police] };

describe('golden record merge', () => {
  it('takes each field from the most authoritative source, whatever its age, with provenance', () => {
    const g = mergeContributions(key, 'idNumber', [
      c(police, { idNumber: key, name: '张三', maritalStatus: '10' }, '2026-11-20T00:00:00Z'),
      c(civil, { idNumber: key, maritalStatus: '20' }, '2026-01-01T00:00:00Z'),
    ], rules);
    assert.deepEqual(g.data, { idNumber: key, name: '张三', maritalStatus: '20' });
    assert.deepEqual(g.provenance.maritalStatus, { department: civil, batch: 'civil-b', sourceTime: '2026-01-01T00:00:00.000Z' });
    assert.equal(g.provenance.name!.department, police);
    assert.deepEqual(g.conflicts, []);
  });

  it('breaks a tie of authority by the newest source time and records the disagreement', () => {
    const g = mergeContributions(key, 'idNumber', [
      c(health, { idNumber: key, residenceAddress: '渝水区一路1号' }, '2026-03-01T00:00:00Z'),
      c('education', { idNumber: key, residenceAddress: '渝水区二路2号' }, '2026-05-01T00:00:00Z'),
    ], rules);
    assert.equal(g.data!.residenceAddress, '渝水区二路2号');
    assert.deepEqual(g.conflicts, [
      {
        field: 'residenceAddress',
        values: [
          { department: 'education', value: '渝水区二路2号', sourceTime: '2026-05-01T00:00:00.000Z' },
          { department: health, value: '渝水区一路1号', sourceTime: '2026-03-01T00:00:00.000Z' },
        ],
      },
    ]);
  });

  it('equal values of equal authority are no conflict; a lower-ranked disagreement is none either', () => {
    const g = mergeContributions(key, 'idNumber', [
      c(police, { idNumber: key, status: 'living' }, '2026-01-01T00:00:00Z'),
      c(civil, { idNumber: key, status: 'deceased', statusDate: '2026-02-01' }, '2026-02-02T00:00:00Z'),
      c(health, { idNumber: key, status: 'deceased' }, '2026-02-03T00:00:00Z'),
    ], rules);
    assert.equal(g.data!.status, 'deceased');
    assert.equal(g.provenance.status!.department, civil);
    assert.deepEqual(g.conflicts, []);
  });

  it('a withdrawn contribution no longer counts; none left means no record', () => {
    const g = mergeContributions(key, 'idNumber', [c(police, null, '2026-01-01T00:00:00Z'), c(civil, { idNumber: key, maritalStatus: '20' }, '2026-01-01T00:00:00Z')], rules);
    assert.deepEqual(g.data, { idNumber: key, maritalStatus: '20' });
    assert.equal(mergeContributions(key, 'idNumber', [c(police, null, '2026-01-01T00:00:00Z')], rules).data, null);
  });

  it('does not depend on the order contributions arrive in', () => {
    const list = [
      c(health, { idNumber: key, residenceAddress: 'A' }, '2026-03-01T00:00:00Z'),
      c('education', { idNumber: key, residenceAddress: 'B' }, '2026-03-01T00:00:00Z'),
    ];
    assert.deepEqual(mergeContributions(key, 'idNumber', list, rules), mergeContributions(key, 'idNumber', [...list].reverse(), rules));
  });

  it('stores provenance grouped by source and gives it back per field', () => {
    const g = mergeContributions(key, 'idNumber', [
      c(police, { idNumber: key, name: '张三', gender: '1' }, '2026-11-20T00:00:00Z'),
      c(civil, { idNumber: key, maritalStatus: '20' }, '2026-03-01T00:00:00Z'),
    ], rules);
    const stored = compactProvenance(g.provenance);
    assert.equal(Object.keys(stored).length, 2);
    assert.deepEqual(expandProvenance(stored), g.provenance);
  });
});
