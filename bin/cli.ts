import { adminCommand } from './commands/admin.ts';
import { auditCommand } from './commands/audit.ts';
import { idCommand } from './commands/id.ts';
import { keysCommand } from './commands/keys.ts';
import { migrateCommand } from './commands/migrate.ts';
import { nodeCommand } from './commands/node.ts';
import { serveCommand } from './commands/serve.ts';

export interface Command {
  readonly summary: string;
  readonly help: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  serve: serveCommand,
  migrate: migrateCommand,
  admin: adminCommand,
  audit: auditCommand,
  id: idCommand,
  keys: keysCommand,
  node: nodeCommand,
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: brx <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`brx <command> --help\` for a command's options.\nConfiguration comes from environment variables: see README.md § Configuration.`;
}

const [name, ...args] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h' || name === 'help') {
  console.log(usage());
  process.exit(0);
}
const command = commands[name];
if (!command) {
  console.error(`brx: unknown command "${name}"\n\n${usage()}`);
  process.exit(2);
}
if (args.includes('--help') || args.includes('-h')) {
  console.log(command.help);
  process.exit(0);
}
try {
  process.exitCode = await command.run(args);
} catch (error) {
  console.error(`brx ${name}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
