import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../exchange/config.ts';
import { SecretBox, sealedWith } from '../../exchange/secrets/keyring.ts';

const home = mkdtempSync(path.join(os.tmpdir(), 'brx-keys-'));
after(() => rmSync(home, { recursive: true, force: true }));

describe('the secret box', () => {
  const config = loadConfig({ BRX_HOME: home });
  const box = new SecretBox(config);

  it('makes its key file at first use, readable by its owner only', () => {
    assert.equal(statSync(config.secretKeyFile).mode & 0o777, 0o600);
  });

  it('seals with a fresh IV each time and opens what it sealed', () => {
    const a = box.seal('the-receiver-secret', 'subscriptions.secret');
    const b = box.seal('the-receiver-secret', 'subscriptions.secret');
    assert.notEqual(a, b);
    assert.equal(sealedWith(a), box.currentKeyId);
    assert.equal(box.open(a, 'subscriptions.secret'), 'the-receiver-secret');
  });

  it('refuses a changed ciphertext, one moved to another column, and a value in clear', () => {
    const sealed = box.seal('the-receiver-secret', 'subscriptions.secret');
    const raw = Buffer.from(sealed.split(':')[3]!, 'base64');
    raw[raw.length - 1]! ^= 1;
    const changed = `${sealed.split(':').slice(0, 3).join(':')}:${raw.toString('base64')}`;
    assert.throws(() => box.open(changed, 'subscriptions.secret'), /does not decrypt/);
    assert.throws(() => box.open(sealed, 'systems.notify_secret'), /does not decrypt/);
    assert.throws(() => box.open('the-receiver-secret', 'subscriptions.secret'), /stored in clear/);
  });

  it('refuses a ciphertext whose tag was cut short (GCM would take a 4-byte prefix of the tag)', () => {
    // an empty secret: the tag is all there is to check, so a cut tag is the whole forgery
    const sealed = box.seal('', 'subscriptions.secret');
    assert.equal(box.open(sealed, 'subscriptions.secret'), '');
    const [head, raw] = [sealed.split(':').slice(0, 3).join(':'), Buffer.from(sealed.split(':')[3]!, 'base64')];
    for (const tag of [4, 8, 15]) {
      const cut = `${head}:${raw.subarray(0, 12 + tag).toString('base64')}`;
      assert.throws(() => box.open(cut, 'subscriptions.secret'), /does not decrypt/, `a ${tag}-byte tag`);
    }
  });

  it('reads the same key from BRX_SECRET_KEY under the same id, and earlier keys from BRX_SECRET_KEY_PREVIOUS', () => {
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64');
    const old = new SecretBox(loadConfig({ BRX_SECRET_KEY: k1 }));
    const sealed = old.seal('s3cret-value-0123', 'systems.notify_secret');
    const rotated = new SecretBox(loadConfig({ BRX_SECRET_KEY: k2, BRX_SECRET_KEY_PREVIOUS: k1 }));
    assert.equal(rotated.open(sealed, 'systems.notify_secret'), 's3cret-value-0123');
    assert.notEqual(sealedWith(rotated.seal('x', 'systems.notify_secret')), sealedWith(sealed));
    assert.throws(() => new SecretBox(loadConfig({ BRX_SECRET_KEY: k2 })).open(sealed, 'systems.notify_secret'), /encrypted under key [0-9a-f]{16}, which BRX_SECRET_KEY does not hold/);
  });

  it('refuses a key file others can read', () => {
    chmodSync(config.secretKeyFile, 0o644);
    assert.throws(() => new SecretBox(config), /readable by others/);
    chmodSync(config.secretKeyFile, 0o600);
  });
});
