import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';

/**
 * Webhook and notification secrets are kept encrypted (AES-256-GCM) under a key-encryption key:
 * BRX_SECRET_KEY when set, else a key file under BRX_HOME made at first start (mode 0600). Each
 * ciphertext names its key (`enc:v1:<key id>:<base64 iv|tag|ciphertext>`), so `brx keys rotate`
 * can move secrets to a new key while the old one is still readable. The column a secret lives in
 * is authenticated with it, so a ciphertext copied to another column does not open.
 *
 * A rotation never deletes the key it replaces: it stays in the file marked retired (read, never
 * used to seal), because a running exchange may have sealed a secret under it just before the new
 * key arrived and commit it after the rotation looked. Only a later rotation drops a retired key,
 * at its start, once no stored secret uses it.
 */
export type SecretColumn = 'subscriptions.secret' | 'systems.notify_secret';

export class SecretKeyError extends Error {}

export interface Key {
  readonly id: string;
  readonly key: Buffer;
  readonly createdAt?: string;
  /** when a rotation replaced it: kept to open what may still be sealed under it */
  readonly retiredAt?: string;
}

interface KeyFile {
  version: 1;
  /** the last key encrypts (it is never retired); the others are only read */
  keys: { id: string; key: string; createdAt: string; retiredAt?: string }[];
}

/** iv | tag | ciphertext; the tag length is pinned, as GCM would otherwise accept a tag cut to 4 bytes */
const ivLength = 12;
const tagLength = 16;

const prefix = 'enc:v1:';

/** A key's id is derived from the key, so the same key has the same id from the file or the environment. */
export const keyIdOf = (key: Buffer) => createHash('sha256').update('brx-secret-key\0').update(key).digest('hex').slice(0, 16);

export const isSealed = (stored: string) => stored.startsWith(prefix);

/** The id of the key a stored secret was sealed with. */
export function sealedWith(stored: string): string | null {
  return isSealed(stored) ? (stored.slice(prefix.length).split(':')[0] ?? null) : null;
}

export function readKeyFile(file: string): Key[] {
  let parsed: KeyFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SecretKeyError(`the secret key file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'not JSON'}): restore it from backup, or set BRX_SECRET_KEY`);
  }
  if (parsed?.version !== 1 || !Array.isArray(parsed.keys) || parsed.keys.length === 0) {
    throw new SecretKeyError(`the secret key file ${file} is not a brx key file (version 1 with at least one key)`);
  }
  return parsed.keys.map((k, i) => {
    const key = Buffer.from(String(k?.key ?? ''), 'base64');
    if (key.length !== 32 || keyIdOf(key) !== k.id) throw new SecretKeyError(`the secret key file ${file} is damaged: key ${i + 1} is not a 32-byte key matching its id`);
    if (i === parsed.keys.length - 1 && k.retiredAt) throw new SecretKeyError(`the secret key file ${file} is damaged: its last key, the one that encrypts, is marked retired`);
    return { id: k.id, key, ...(k.createdAt ? { createdAt: String(k.createdAt) } : {}), ...(k.retiredAt ? { retiredAt: String(k.retiredAt) } : {}) };
  });
}

/**
 * Written whole to a temporary file, fsynced, renamed over, and the folder fsynced: a crash or a
 * power loss leaves the old file or the new one, and once this returns the new one is on disk.
 * Without the fsyncs a power loss after a rotation committed could leave an empty file (the rename
 * reached the disk, the data did not) and every stored secret unreadable.
 */
export function writeKeyFile(file: string, keys: readonly Key[]): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const now = new Date().toISOString();
  const body: KeyFile = {
    version: 1,
    keys: keys.map((k) => ({ id: k.id, key: k.key.toString('base64'), createdAt: k.createdAt ?? now, ...(k.retiredAt ? { retiredAt: k.retiredAt } : {}) })),
  };
  const temporary = `${file}.${process.pid}.tmp`;
  // 'wx' after removing a leftover: the mode 0600 is set at creation, never a wider file first
  if (existsSync(temporary)) unlinkSync(temporary);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(body, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

export const newKey = (): Key => {
  const key = randomBytes(32);
  return { id: keyIdOf(key), key };
};

export class SecretBox {
  readonly #config: Pick<Config, 'secretKey' | 'secretKeysPrevious' | 'secretKeyFile'>;
  #keys: Key[] = [];

  constructor(config: Pick<Config, 'secretKey' | 'secretKeysPrevious' | 'secretKeyFile'>) {
    this.#config = config;
    this.#load(true);
  }

  /** Where the keys come from, for messages. */
  get source(): string {
    return this.#config.secretKey ? 'BRX_SECRET_KEY' : this.#config.secretKeyFile;
  }

  get currentKeyId(): string {
    return this.#keys[this.#keys.length - 1]!.id;
  }

  /**
   * A key for another purpose (the console's CSRF tokens), derived from the current secret key, so
   * every exchange process sharing the key derives the same one and nothing new needs storing.
   */
  derive(purpose: string): Buffer {
    return createHmac('sha256', this.#keys[this.#keys.length - 1]!.key).update(`brx-derived\0${purpose}`).digest();
  }

  knows(id: string): boolean {
    return this.#keys.some((k) => k.id === id);
  }

  /** The ids of the keys kept only to open what is still sealed under them. */
  get retiredKeyIds(): string[] {
    return this.#keys.filter((k) => k.retiredAt).map((k) => k.id);
  }

  #load(create: boolean): void {
    const c = this.#config;
    if (c.secretKey) {
      // the current key last, as in the file
      this.#keys = [...c.secretKeysPrevious, c.secretKey].map((k) => {
        const key = Buffer.from(k, 'base64');
        return { id: keyIdOf(key), key };
      });
      return;
    }
    if (!existsSync(c.secretKeyFile)) {
      if (!create) throw new SecretKeyError(`the secret key file ${c.secretKeyFile} is gone`);
      writeKeyFile(c.secretKeyFile, [newKey()]);
    } else if ((statSync(c.secretKeyFile).mode & 0o077) !== 0) {
      throw new SecretKeyError(`the secret key file ${c.secretKeyFile} is readable by others: chmod 600 it`);
    }
    this.#keys = readKeyFile(c.secretKeyFile);
  }

  /**
   * Re-reads the key file: `brx keys rotate` may have run in another process since. Sealing
   * re-reads first, so a running exchange never writes under a key the rotation retired.
   */
  reload(): void {
    this.#load(false);
  }

  seal(plain: string, column: SecretColumn): string {
    this.reload();
    const key = this.#keys[this.#keys.length - 1]!;
    const iv = randomBytes(ivLength);
    const cipher = createCipheriv('aes-256-gcm', key.key, iv, { authTagLength: tagLength });
    cipher.setAAD(Buffer.from(column));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${prefix}${key.id}:${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64')}`;
  }

  open(stored: string, column: SecretColumn): string {
    const id = sealedWith(stored);
    if (id === null) throw new SecretKeyError(`a ${column} is stored in clear: restart the exchange to encrypt it`);
    if (!this.knows(id)) this.reload();
    const key = this.#keys.find((k) => k.id === id);
    if (!key) throw new SecretKeyError(`a ${column} is encrypted under key ${id}, which ${this.source} does not hold`);
    const raw = Buffer.from(stored.slice(prefix.length + id.length + 1), 'base64');
    const refused = new SecretKeyError(`a ${column} under key ${id} does not decrypt: it was changed or belongs elsewhere`);
    if (raw.length < ivLength + tagLength) throw refused;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, raw.subarray(0, ivLength), { authTagLength: tagLength });
      decipher.setAAD(Buffer.from(column));
      decipher.setAuthTag(raw.subarray(ivLength, ivLength + tagLength));
      return Buffer.concat([decipher.update(raw.subarray(ivLength + tagLength)), decipher.final()]).toString('utf8');
    } catch {
      throw refused;
    }
  }
}
