import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl } from '../../exchange/http/logging.ts';

describe('redactUrl', () => {
  it('masks ID numbers in paths, keeping region and check character', () => {
    assert.equal(
      redactUrl('/v1/datasets/population.person/records/11010519491231002X'),
      '/v1/datasets/population.person/records/110105********X',
    );
  });

  it('keeps only the keys of a query string', () => {
    assert.equal(redactUrl('/v1/datasets/x/records?name=%E5%BC%A0%E4%B8%89&limit=5'), '/v1/datasets/x/records?name=*&limit=*');
  });

  it('masks percent-encoded and 15-digit legacy numbers too', () => {
    assert.doesNotMatch(redactUrl('/v1/x/110105491231002'), /491231/);
    assert.doesNotMatch(redactUrl('/v1/x/%31%31%30%31%30%35%31%39%34%39%31%32%33%31%30%30%32%58'), /19491231/);
  });

  it('leaves ordinary paths alone', () => {
    assert.equal(redactUrl('/v1/departments/7f0c9f2e-1111-4222-8333-444455556666'), '/v1/departments/7f0c9f2e-1111-4222-8333-444455556666');
  });
});
