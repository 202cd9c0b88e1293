import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeUscc, organisationCodeCheck, validateUscc } from '../../registries/identifiers/uscc.ts';

describe('unified social credit code (GB 32100)', () => {
  it('accepts a published valid code and derives its parts', () => {
    const r = validateUscc('91350100M000100Y43');
    assert.equal(r.valid, true);
    assert.deepEqual(r.facts, {
      registrationAuthority: '工商',
      organisationType: '企业',
      regionCode: '350100',
      organisationCode: 'M000100Y4',
    });
  });

  it('normalises lower case and surrounding space', () => {
    assert.equal(validateUscc(' 91350100m000100y43 ').normalized, '91350100M000100Y43');
  });

  it('says which rule failed', () => {
    const rule = (v: string) => validateUscc(v).errors[0]?.rule;
    assert.equal(rule('91350100M000100Y4'), 'length');
    assert.equal(rule('91350100M000100Y4I'), 'alphabet');
    assert.equal(rule('Z1350100M000100Y43'), 'alphabet');
    assert.equal(rule('B1350100M000100Y43'), 'registration-authority');
    assert.equal(rule('94350100M000100Y43'), 'organisation-type');
    assert.equal(rule('9135A100M000100Y43'), 'region');
    assert.equal(rule('91350100M000100Y53'), 'organisation-code-check');
    assert.equal(rule('91350100M000100Y44'), 'check');
  });

  it('computes GB 11714 organisation-code check characters, including X and 0', () => {
    assert.equal(organisationCodeCheck('M000100Y'), '4');
    const checks = new Set(Array.from({ length: 200 }, (_, i) => organisationCodeCheck(String(10000000 + i * 37))));
    assert.ok(checks.has('X') && checks.has('0'), [...checks].join(''));
  });

  it('composes codes that validate', () => {
    for (let i = 0; i < 100; i++) {
      const code = composeUscc('1', '1', '360500', String(10000000 + i * 97));
      assert.equal(validateUscc(code).valid, true, code);
    }
  });
});
