import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import { createUser } from './identity/users.ts';

export interface FirstAdmin {
  readonly created: boolean;
  readonly username: string;
  /** only when brx generated it: printed once, never stored in clear */
  readonly generatedPassword?: string;
}

const bootstrapActor = { actor: { kind: 'platform', name: 'bootstrap' } } as const;

/**
 * On an empty database, creates the first platform admin from BRX_ADMIN_USER/BRX_ADMIN_PASSWORD
 * or with a generated password. Two processes starting together: the unique username makes
 * the second one find the first one's admin.
 */
export async function ensureFirstAdmin(db: Db, config: Config): Promise<FirstAdmin> {
  const username = config.adminUser ?? 'admin';
  const any = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (any) return { created: false, username };
  try {
    const { generatedPassword } = await db.transaction().execute((trx) =>
      createUser(
        trx,
        {
          username,
          displayName: 'Platform administrator',
          ...(config.adminPassword ? { password: config.adminPassword } : {}),
          roles: [{ role: 'platform_admin' }],
        },
        bootstrapActor,
      ),
    );
    return { created: true, username, ...(generatedPassword ? { generatedPassword } : {}) };
  } catch (error) {
    if ((error as { code?: string }).code === '23505' || (error as { status?: number }).status === 409) {
      return { created: false, username };
    }
    throw error;
  }
}
