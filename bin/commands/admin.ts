import { parseArgs } from 'node:util';
import { loadConfig } from '../../exchange/config.ts';
import type { Role } from '../../exchange/db/schema.ts';
import { findUserByName } from '../../exchange/identity/user-store.ts';
import { createUser, setPassword } from '../../exchange/identity/users.ts';
import { openRuntime } from '../../exchange/runtime.ts';
import type { Command } from '../cli.ts';

const platformRoles: Role[] = ['platform_admin', 'auditor'];

export const adminCommand: Command = {
  summary: 'Create a platform admin or auditor, or reset a password, from the machine itself',
  help: `Usage: brx admin create --username NAME [--display-name TEXT] [--role platform_admin|auditor]
       brx admin reset-password --username NAME

For the operator on the exchange machine (no login needed). A password is read from
BRX_NEW_PASSWORD when set (at least 12 characters), otherwise generated and printed once.
Department roles (dept_admin, approver) are given over the API by an admin.`,
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { username: { type: 'string' }, 'display-name': { type: 'string' }, role: { type: 'string' } },
    });
    const action = positionals[0];
    if ((action !== 'create' && action !== 'reset-password') || !values.username) {
      console.error(this.help);
      return 2;
    }
    const role = (values.role ?? 'platform_admin') as Role;
    if (!platformRoles.includes(role)) {
      console.error(`--role must be one of ${platformRoles.join(', ')}`);
      return 2;
    }
    const password = process.env.BRX_NEW_PASSWORD || undefined;
    if (password !== undefined && password.length < 12) {
      console.error('BRX_NEW_PASSWORD must be at least 12 characters long');
      return 2;
    }
    const actor = { actor: { kind: 'platform', name: `cli:${process.env.USER ?? 'unknown'}` } } as const;
    const runtime = await openRuntime(loadConfig(), () => {}, { existing: true });
    try {
      let generated: string | undefined;
      if (action === 'create') {
        const result = await runtime.db.transaction().execute((trx) =>
          createUser(
            trx,
            {
              username: values.username!,
              displayName: values['display-name'] ?? values.username!,
              roles: [{ role }],
              ...(password ? { password } : {}),
            },
            actor,
          ),
        );
        generated = result.generatedPassword;
        console.log(`created ${role} ${values.username}`);
      } else {
        const user = await findUserByName(runtime.db, values.username);
        if (!user) {
          console.error(`no user ${values.username}`);
          return 1;
        }
        const result = await runtime.db
          .transaction()
          .execute((trx) => setPassword(trx, user.id, password ? { password } : {}, actor));
        generated = result.generatedPassword;
        console.log(`reset the password of ${values.username}; their sessions have ended`);
      }
      if (generated) console.log(`password (shown once): ${generated}`);
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
