import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chinaLocalToIso, dayInChina, formatTime } from '../../exchange/console/format.ts';
import { localDetail, localMessage } from '../../exchange/console/i18n.ts';

describe('the console speaks the interface language', () => {
  it("translates the validator's messages and brx's common refusals into Chinese, and leaves English alone", () => {
    assert.equal(localMessage('zh', 'must NOT have fewer than 2 characters'), '至少需要 2 个字符');
    assert.equal(localMessage('zh', 'is required'), '为必填项');
    assert.equal(localMessage('en', 'is required'), 'is required');
    assert.equal(
      localDetail('zh', 'A request in state under_review cannot take the action accept; allowed: decide, transfer'),
      '案件当前状态下不能进行此操作；可进行的操作：decide, transfer',
    );
    assert.equal(localDetail('zh', 'The deadline was already extended once (by 5 working days)'), '办理期限已延长过一次');
    assert.equal(localDetail('zh', 'something brx never says'), 'something brx never says', 'an unknown detail is kept, not lost');
  });

  it('shows times in China Standard Time whatever the zone of the server', () => {
    assert.equal(formatTime('zh', '2026-12-31T16:30:00Z'), '2027/01/01 00:30');
    assert.equal(dayInChina(new Date('2026-12-31T16:30:00Z')), '2027-01-01');
    assert.equal(chinaLocalToIso('2027-01-01T00:30'), '2026-12-31T16:30:00.000Z');
    assert.equal(chinaLocalToIso('not a time'), null);
  });
});

describe('where the console sends people back to', () => {
  it('only to a path of its own: no other site, however the address is dressed up', async () => {
    const { localPath } = await import('../../exchange/console/context.ts');
    assert.equal(localPath('/cases?view=inbox'), '/cases?view=inbox');
    for (const bad of ['//evil.example', '/\t/evil.example', '/\\evil.example', 'https://evil.example/', '/%09/x\n', undefined]) {
      assert.equal(localPath(bad), '/', String(bad));
    }
  });
});
