import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { composeCertificateId, mod3736Check, validateCertificateId } from '../../registries/identifiers/certificate-id.ts';
import { identifierDetail, identifierFormats } from '../../registries/identifiers/formats.ts';
import { composeIdNumber, validateIdNumber } from '../../registries/identifiers/id-number.ts';
import { checkIdentifier, guessKind } from '../../registries/identifiers/index.ts';
import { validateRegionCode } from '../../registries/identifiers/region.ts';
import { composeUscc, usccAlphabet, validateUscc } from '../../registries/identifiers/uscc.ts';

const rule = (r: { errors: readonly { rule: string }[] }) => r.errors[0]?.rule;

describe('resident ID number (GB 11643)', () => {
  it('accepts the standard example and derives gender and birth date; lower-case x is fine', () => {
    const r = validateIdNumber('11010519491231002x');
    assert.equal(r.valid, true);
    assert.equal(r.normalized, '11010519491231002X');
    assert.deepEqual(r.facts, { regionCode: '110105', birthDate: '1949-12-31', gender: 'female' });
    assert.equal(validateIdNumber('360502199003070016').facts?.gender, 'male');
  });

  it('upgrades a 15-digit number for look-ups', () => {
    const r = validateIdNumber('110105491231002');
    assert.equal(r.valid, true);
    assert.equal(r.normalized, '11010519491231002X');
    assert.equal(r.facts?.upgradedFrom15, '110105491231002');
  });

  it('says which rule failed', () => {
    assert.equal(rule(validateIdNumber('11010519491231002')), 'length');
    assert.equal(rule(validateIdNumber('1101051949123100XX')), 'characters');
    assert.equal(rule(validateIdNumber('990105194912310021')), 'region');
    assert.equal(rule(validateIdNumber(composeIdNumber('110105', '19490230', 2))), 'birth-date');
    assert.equal(rule(validateIdNumber(composeIdNumber('110105', '20991231', 2))), 'birth-date');
    assert.equal(rule(validateIdNumber('110105194912310021')), 'check');
    assert.match(validateIdNumber('110105194912310021').errors[0]!.message, /expected "X"/);
  });

  it('accepts a region that has since been merged away, as long as the province exists', () => {
    // 360503 is not a current division of 江西省, but numbers issued there stay valid
    assert.equal(validateIdNumber(composeIdNumber('360503', '19800101', 11)).valid, true);
  });

  it('leap days: 2000-02-29 is real, 1900-02-29 is not', () => {
    assert.equal(validateIdNumber(composeIdNumber('110105', '20000229', 1)).valid, true);
    assert.equal(rule(validateIdNumber(composeIdNumber('110105', '19000229', 1))), 'birth-date');
  });
});

describe('unified social credit code (GB 32100)', () => {
  it('validates real-looking codes of several authorities', () => {
    for (const code of ['91350100M000100Y43', composeUscc('5', '1', '360502', '50001234'), composeUscc('1', '2', '360500', 'MB123456')]) {
      assert.equal(validateUscc(code).valid, true, code);
    }
  });
});

describe('region codes (GB/T 2260)', () => {
  it('looks names up and refuses unknown codes', () => {
    assert.deepEqual(validateRegionCode('360502').facts, {
      level: 'county',
      name: '渝水区',
      fullName: '江西省新余市渝水区',
      provinceCode: '360000',
      cityCode: '360500',
    });
    assert.equal(validateRegionCode('360500').facts?.level, 'city');
    assert.equal(rule(validateRegionCode('360599')), 'unknown');
    assert.equal(rule(validateRegionCode('36050')), 'format');
  });
});

describe('electronic certificate identifiers (GB/T 36904 style)', () => {
  it('computes ISO/IEC 7064 MOD 37,36 check characters as published', () => {
    assert.equal(mod3736Check('123AB'), 'X');
    assert.equal(mod3736Check('DADPIDA3897722461'), 'J');
    assert.equal(mod3736Check('A12425GABC1234002'), 'M');
  });

  it('validates a composed identifier and names what is wrong with bad ones', () => {
    const id = composeCertificateId('11100000', '91350100M000100Y43', '2026000123');
    assert.equal(validateCertificateId(id).valid, true);
    assert.equal(rule(validateCertificateId(id.replace('1.2.156.3005.2', '1.2.156.3005.9'))), 'prefix');
    assert.equal(rule(validateCertificateId(id.replace('91350100M000100Y43', '91350100M000100Y44'))), 'issuer');
    assert.equal(rule(validateCertificateId(`${id.slice(0, -1)}${id.endsWith('0') ? '1' : '0'}`)), 'check');
  });

  it('accepts identifiers issued by provincial systems: the check covers the parts after the root code', () => {
    for (const issued of [
      '1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U',
      '1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0',
    ]) {
      assert.deepEqual(validateCertificateId(issued).errors, [], issued);
      const [type, issuer, serial, version] = issued.split('.').slice(5, 9) as [string, string, string, string];
      assert.equal(composeCertificateId(type, issuer, serial, version), issued);
    }
  });
});

describe('formats and the command-line checker', () => {
  it('backs the cn-* ajv formats, with the failed rule in the message', () => {
    assert.deepEqual(Object.keys(identifierFormats).sort(), ['cn-certificate-id', 'cn-id-number', 'cn-region-code', 'cn-uscc']);
    assert.equal(identifierFormats['cn-id-number']!('110105491231002'), false, 'records store 18 characters');
    assert.match(identifierDetail('cn-uscc', '91350100M000100Y44')!, /check character is "4", expected "3"/);
  });

  it('guesses the kind from the shape', () => {
    assert.equal(guessKind('11010519491231002X'), 'id-number');
    assert.equal(guessKind('91350100M000100Y43'), 'uscc');
    assert.equal(guessKind('360502'), 'region-code');
    assert.equal(guessKind('1.2.156.3005.2.1.2.3.4.5'), 'certificate-id');
    assert.deepEqual(checkIdentifier('91350100M000100Y43').errors, []);
  });
});

/** A single substitution: a different character at one position. */
function mutate(value: string, position: number, replacement: string): string | null {
  const at = position % value.length;
  return value[at] === replacement ? null : value.slice(0, at) + replacement + value.slice(at + 1);
}

describe('property: valid values validate, and any single-character change is caught', () => {
  const date = fc.date({ min: new Date('1900-01-01'), max: new Date(), noInvalidDate: true });
  const idNumber = fc
    .tuple(fc.constantFrom('110105', '360502', '360521', '440305', '510107'), date, fc.integer({ min: 0, max: 999 }))
    .map(([region, d, seq]) => composeIdNumber(region, d.toISOString().slice(0, 10).replace(/-/g, ''), seq));
  const usccChar = fc.constantFrom(...usccAlphabet.split(''));
  const uscc = fc
    .tuple(fc.constantFrom(['9', '1'], ['9', '2'], ['1', '1'], ['5', '1']), fc.constantFrom('360502', '110105'), fc.array(usccChar, { minLength: 8, maxLength: 8 }))
    .map(([[a, t], region, body]) => composeUscc(a!, t!, region, body.join('')));
  const anyChar = fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZx-'.split(''));

  /** Every generated value validates, and no single substitution of one character still does. */
  function holds(arbitrary: fc.Arbitrary<string>, validate: (v: string) => { valid: boolean }) {
    fc.assert(fc.property(arbitrary, (v) => validate(v).valid));
    fc.assert(
      fc.property(arbitrary, fc.nat(), anyChar, (v, pos, ch) => {
        const changed = mutate(v, pos, ch);
        return changed === null || changed.toUpperCase() === v || !validate(changed).valid;
      }),
      { numRuns: 2000 },
    );
  }

  it('ID numbers', () => holds(idNumber, validateIdNumber));

  it('unified social credit codes', () => holds(uscc, validateUscc));

  it('certificate identifiers', () => {
    const cert = fc
      .tuple(fc.stringMatching(/^[0-9A-Z]{3,10}$/), uscc, fc.stringMatching(/^[0-9A-Z]{1,20}$/), fc.stringMatching(/^\d{3}$/))
      .map(([type, issuer, serial, version]) => composeCertificateId(type, issuer, serial, version));
    holds(cert, validateCertificateId);
  });
});
