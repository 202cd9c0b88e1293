import { type KeyObject, sign, verify } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson } from '../../contracts/canonical.ts';
import type { AuditCheckpoint } from '../../contracts/generated/api.ts';
import type { AuditKey } from './audit-key.ts';

/**
 * A signed checkpoint: "at this time, chain `log` had `entries` entries and its head entry
 * `seq` had hash `headHash`". Checkpoints go to an append-only NDJSON file outside the database,
 * one line each, so a chain recomputed in the database after a checkpoint (every hash from the
 * edited entry on, as a superuser could) no longer has the signed hash at the signed sequence.
 * The signature (Ed25519, base64) covers the canonical JSON of every other member.
 */
export type Checkpoint = Readonly<AuditCheckpoint>;

export type CheckpointBody = Omit<Checkpoint, 'sig' | 'keyId' | 'v'>;

export function signCheckpoint(body: CheckpointBody, key: AuditKey): Checkpoint {
  const unsigned = { v: 1 as const, log: body.log, seq: body.seq, headHash: body.headHash, entries: body.entries, at: body.at, keyId: key.keyId };
  return { ...unsigned, sig: sign(null, Buffer.from(canonicalJson(unsigned)), key.privateKey).toString('base64') };
}

export function checkpointSignatureHolds(cp: Checkpoint, publicKey: KeyObject): boolean {
  const { sig, ...unsigned } = cp;
  const signature = Buffer.from(sig, 'base64');
  // only canonical base64 of an Ed25519 signature's length: Buffer.from skips stray characters
  if (signature.length !== 64 || signature.toString('base64') !== sig) return false;
  return verify(null, Buffer.from(canonicalJson(unsigned)), publicKey, signature);
}

export interface ParsedCheckpoints {
  /** well-formed lines, in file order, with their line number (from 1) */
  readonly checkpoints: { line: number; checkpoint: Checkpoint }[];
  /** lines that are not checkpoints at all */
  readonly malformed: { line: number; reason: string }[];
}

const hex64 = /^[0-9a-f]{64}$/;

function asCheckpoint(value: unknown): Checkpoint | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const c = value as Record<string, unknown>;
  if (c.v !== 1) return 'unknown checkpoint version';
  if (c.log !== 'admin' && c.log !== 'access') return 'log must be admin or access';
  if (!Number.isSafeInteger(c.seq) || (c.seq as number) < 0) return 'seq must be a whole number';
  if (!Number.isSafeInteger(c.entries) || c.entries !== c.seq) return 'entries must equal seq (the chain has no gaps)';
  if (typeof c.headHash !== 'string' || !hex64.test(c.headHash)) return 'headHash must be 64 hex digits';
  if (typeof c.at !== 'string' || Number.isNaN(Date.parse(c.at))) return 'at must be a time';
  if (typeof c.keyId !== 'string' || !hex64.test(c.keyId)) return 'keyId must be 64 hex digits';
  if (typeof c.sig !== 'string') return 'sig missing';
  return { v: 1, log: c.log, seq: c.seq as number, headHash: c.headHash, entries: c.entries as number, at: c.at, keyId: c.keyId, sig: c.sig };
}

export function parseCheckpoints(text: string): ParsedCheckpoints {
  const checkpoints: ParsedCheckpoints['checkpoints'] = [];
  const malformed: ParsedCheckpoints['malformed'] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let parsed: Checkpoint | string;
    try {
      parsed = asCheckpoint(JSON.parse(line));
    } catch {
      parsed = 'not JSON';
    }
    if (typeof parsed === 'string') malformed.push({ line: i + 1, reason: parsed });
    else checkpoints.push({ line: i + 1, checkpoint: parsed });
  }
  return { checkpoints, malformed };
}

/** The file's checkpoints; none when it does not exist yet. */
export async function readCheckpointFile(file: string): Promise<ParsedCheckpoints> {
  try {
    return parseCheckpoints(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoints: [], malformed: [] };
    throw error;
  }
}

/**
 * Appends checkpoints as lines and fsyncs before returning, so a checkpoint reported written
 * survives a crash. O_APPEND: several exchange processes may share one file, each line lands
 * whole. A new file is mode 0600 and its folder is fsynced too (the file's name is durable).
 */
export async function appendCheckpoints(file: string, checkpoints: readonly Checkpoint[]): Promise<void> {
  if (checkpoints.length === 0) return;
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'a', 0o600);
  let created = false;
  try {
    created = (await handle.stat()).size === 0;
    await handle.write(checkpoints.map((c) => `${JSON.stringify(c)}\n`).join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) {
    const dir = await open(path.dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
