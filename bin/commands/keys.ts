import { loadConfig } from '../../exchange/config.ts';
import { openRuntime } from '../../exchange/runtime.ts';
import { SecretBox } from '../../exchange/secrets/keyring.ts';
import { rotateSecretKeys } from '../../exchange/secrets/rotate.ts';
import { keysInUse } from '../../exchange/secrets/stored.ts';
import type { Command } from '../cli.ts';

const usage = 'Usage: brx keys status | brx keys rotate';

export const keysCommand: Command = {
  summary: 'Show or rotate the key that encrypts webhook and notification secrets',
  help: `${usage}

Webhook and notification secrets are stored encrypted (AES-256-GCM) under a key-encryption key:
BRX_SECRET_KEY when set, else the key file (BRX_SECRET_KEY_FILE, default BRX_HOME/secret-keys.json).

  status   the key in use, the retired keys still held, and how many stored secrets each key holds
  rotate   with the key file: drop retired keys no secret uses any more, add a new key, re-encrypt
           every secret under it in one transaction, then mark the old key retired (kept in the
           file, read-only: a secret sealed under it during the rotation still opens). With
           BRX_SECRET_KEY: set the new key there and the old one in BRX_SECRET_KEY_PREVIOUS, run
           rotate, then drop the old one.
Running exchanges keep working during a rotation. API keys are hashes and are not affected.`,
  async run(args) {
    const action = args[0];
    if (action !== 'rotate' && action !== 'status') {
      console.error(usage);
      return 2;
    }
    const config = loadConfig();
    const runtime = await openRuntime(config, () => {}, { existing: true });
    try {
      if (action === 'status') {
        const box = new SecretBox(config);
        console.log(`encrypting key: ${box.currentKeyId} (${box.source})`);
        const inUse = await keysInUse(runtime.db);
        const counts = new Map(inUse.map((k) => [k.keyId, k.count]));
        const secrets = (n: number) => `${n} secret${n === 1 ? '' : 's'}`;
        // retired keys with 0 too: the operator sees what the next rotate will drop
        for (const id of box.retiredKeyIds) {
          const n = counts.get(id) ?? 0;
          console.log(`  ${id}: ${secrets(n)} (retired${n === 0 ? ': dropped at the next rotate' : ''})`);
        }
        for (const k of inUse) {
          if (box.retiredKeyIds.includes(k.keyId)) continue;
          console.log(`  ${k.keyId}: ${secrets(k.count)}${box.knows(k.keyId) ? '' : ' — NOT HELD: these cannot be read'}`);
        }
        if (inUse.length === 0) console.log('  no stored secrets');
        return inUse.every((k) => box.knows(k.keyId)) ? 0 : 1;
      }
      const report = await rotateSecretKeys(config, runtime.db, (line) => console.log(line));
      console.log(`done: ${report.reencrypted} secret${report.reencrypted === 1 ? '' : 's'} re-encrypted under ${report.keyId}`);
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
