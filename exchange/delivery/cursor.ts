import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { invalid } from '../errors.ts';

/**
 * Opaque cursors. A position in a dataset is a record key, and the key may be a field the
 * consumer is granted only masked (an ID number): cursors are therefore sealed with AES-256-GCM
 * under a key every exchange process shares (platform_keys), so they survive restarts and work
 * on any process, and a consumer can neither read nor forge them.
 */
export class CursorSeal {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  seal(position: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(position, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The position, or a 400 naming the parameter when the cursor was not made by brx. */
  open(cursor: string, parameter = 'cursor'): string {
    try {
      const raw = Buffer.from(cursor, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw invalid('The cursor is not one brx gave out', [{ in: 'query', pointer: `/${parameter}`, message: 'pass back a cursor exactly as received' }]);
    }
  }
}

const seals = new WeakMap<Db, Promise<CursorSeal>>();

export function cursorSeal(db: Db): Promise<CursorSeal> {
  let seal = seals.get(db);
  if (!seal) {
    seal = db
      .selectFrom('platform_keys')
      .select('secret')
      .where('name', '=', 'cursor')
      .executeTakeFirstOrThrow()
      .then((row) => new CursorSeal(row.secret));
    seal.catch(() => seals.delete(db));
    seals.set(db, seal);
  }
  return seal;
}
