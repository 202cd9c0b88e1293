import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { checkIdentifier, type IdentifierKind, validators } from '../../registries/identifiers/index.ts';
import type { Command } from '../cli.ts';

export const idCommand: Command = {
  summary: 'Check identifiers: ID numbers, credit codes, certificate ids, region codes (brx id check)',
  help: `Usage: brx id check [--kind id-number|uscc|certificate-id|region-code] [VALUE…]

Prints one JSON line per value: { value, kind, valid, normalized, facts, errors }. Without
values (or with -), reads one value per line from standard input. The kind is guessed from the
value's shape unless --kind names it. Exits 0 when every value is valid, 1 otherwise.`,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { kind: { type: 'string' } } });
    if (positionals[0] !== 'check') {
      console.error(this.help);
      return 2;
    }
    if (values.kind && !(values.kind in validators)) {
      console.error(`--kind must be one of ${Object.keys(validators).join(', ')}`);
      return 2;
    }
    const kind = values.kind as IdentifierKind | undefined;
    let allValid = true;
    const check = (value: string) => {
      const line = checkIdentifier(value, kind);
      allValid &&= line.valid;
      console.log(JSON.stringify(line));
    };
    const given = positionals.slice(1).filter((v) => v !== '-');
    if (given.length) given.forEach(check);
    else {
      for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
        if (line.trim()) check(line.trim());
      }
    }
    return allValid ? 0 : 1;
  },
};
