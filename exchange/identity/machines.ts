import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { NodeCreate, NodeUpdate, SystemCreate, SystemUpdate } from '../../contracts/generated/api.ts';
import type { AdminEntry } from '../audit/entries.ts';
import { recordAdminAction } from '../audit/store.ts';
import { forgetCredentials, issueCredential, revokeMachineKeys } from '../auth/store.ts';
import type { Tx } from '../db/database.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { refuseOutboundUrl } from '../outbound/rules.ts';
import { findDepartment } from './department-store.ts';
import { findMachine, type MachineKind, type MachineRow, tableOf } from './machine-store.ts';
import { normaliseEd25519PublicKey } from './public-keys.ts';

type Actor = Pick<AdminEntry, 'actor' | 'requestId'>;

async function requireDepartment(trx: Tx, departmentId: string) {
  const department = await findDepartment(trx, departmentId);
  if (!department) throw notFound(`No department ${departmentId}`);
  if (department.status !== 'active') {
    throw conflict(`Department ${department.name} is suspended: it cannot get new nodes or systems`);
  }
  return department;
}

async function requireMachine(trx: Tx, kind: MachineKind, departmentId: string, id: string): Promise<MachineRow> {
  const row = await findMachine(trx, kind, departmentId, id);
  if (!row) throw notFound(`No ${kind} ${id} in department ${departmentId}`);
  return row;
}

async function refuseDuplicateName(trx: Tx, kind: MachineKind, departmentId: string, name: string) {
  const clash = await trx
    .selectFrom(tableOf[kind])
    .select('id')
    .where('department_id', '=', departmentId)
    .where('name', '=', name)
    .executeTakeFirst();
  if (clash) {
    throw invalid(`The department already has a ${kind} of that name`, [
      { in: 'body', pointer: '/name', message: `is taken by ${kind} ${clash.id}` },
    ]);
  }
}

/** Inserts a node or system and issues its first API key, which the caller shows once. */
async function createMachine(
  trx: Tx,
  kind: MachineKind,
  departmentId: string,
  values: { name: string; public_key: string } | { name: string; description: string | null },
  actor: Actor,
) {
  await requireDepartment(trx, departmentId);
  await refuseDuplicateName(trx, kind, departmentId, values.name);
  const { id } = await trx
    .insertInto(tableOf[kind])
    // biome-ignore lint/suspicious/noExplicitAny: the values were built for the table of this kind
    .values({ department_id: departmentId, ...values } as any)
    .returning('id')
    .executeTakeFirstOrThrow();
  const key = await issueCredential(trx, kind === 'node' ? { kind, nodeId: id } : { kind, systemId: id }, null);
  await recordAdminAction(trx, {
    ...actor,
    action: `${kind}.create`,
    departmentId,
    targetKind: kind,
    targetId: id,
    detail: { name: values.name, keyId: key.id },
  });
  return { row: await requireMachine(trx, kind, departmentId, id), apiKey: key.secret };
}

/** Registers a node with its Ed25519 signing key. */
export function createNode(trx: Tx, departmentId: string, input: NodeCreate, actor: Actor) {
  const publicKey = normaliseEd25519PublicKey(input.publicKey);
  return createMachine(trx, 'node', departmentId, { name: input.name, public_key: publicKey }, actor);
}

export function createSystem(trx: Tx, departmentId: string, input: SystemCreate, actor: Actor) {
  return createMachine(trx, 'system', departmentId, { name: input.name, description: input.description ?? null }, actor);
}

async function changeMachine(
  trx: Tx,
  kind: MachineKind,
  departmentId: string,
  id: string,
  set: Record<string, unknown>,
  entry: { action: string; detail: Record<string, unknown> },
  actor: Actor,
) {
  await requireMachine(trx, kind, departmentId, id);
  forgetCredentials();
  // biome-ignore lint/suspicious/noExplicitAny: columns were chosen for the table of this kind
  if (Object.keys(set).length > 0) await trx.updateTable(tableOf[kind]).set(set as any).where('id', '=', id).execute();
  await recordAdminAction(trx, { ...actor, ...entry, departmentId, targetKind: kind, targetId: id });
  return requireMachine(trx, kind, departmentId, id);
}

export function changeNode(trx: Tx, departmentId: string, id: string, patch: NodeUpdate, actor: Actor) {
  const set = {
    ...(patch.publicKey !== undefined ? { public_key: normaliseEd25519PublicKey(patch.publicKey) } : {}),
    ...(patch.status !== undefined ? { status: patch.status } : {}),
  };
  const action = patch.publicKey ? 'node.signing-key.replace' : 'node.update';
  const detail = { status: patch.status, publicKeyReplaced: patch.publicKey !== undefined };
  return changeMachine(trx, 'node', departmentId, id, set, { action, detail }, actor);
}

/** What changing a system's notification target needs: the outbound rules and the secret box. */
export type SecretServices = Pick<FastifyInstance, 'outbound' | 'secrets'>;

export function changeSystem(trx: Tx, departmentId: string, id: string, patch: SystemUpdate, actor: Actor, services: SecretServices) {
  // the same rule as at send time, told when the URL is saved (host names are checked when sent)
  if (patch.notifyUrl) refuseOutboundUrl(services.outbound, patch.notifyUrl, '/notifyUrl');
  const set = {
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.status !== undefined ? { status: patch.status } : {}),
    ...(patch.notifyUrl !== undefined ? { notify_url: patch.notifyUrl } : {}),
    ...(patch.notifySecret !== undefined ? { notify_secret: services.secrets.seal(patch.notifySecret, 'systems.notify_secret') } : {}),
  };
  const { notifySecret, ...shown } = patch;
  const detail = { ...shown, ...(notifySecret !== undefined ? { notifySecretReplaced: true } : {}) };
  return changeMachine(trx, 'system', departmentId, id, set, { action: 'system.update', detail }, actor);
}

/**
 * Issues a new API key; the machine's earlier keys keep working for `graceSeconds` so it can
 * switch over without a failed call, then stop.
 */
export async function rotateKey(
  trx: Tx,
  kind: MachineKind,
  departmentId: string,
  id: string,
  graceSeconds: number,
  actor: Actor,
) {
  await requireMachine(trx, kind, departmentId, id);
  const owner = kind === 'node' ? { nodeId: id } : { systemId: id };
  const key = await issueCredential(trx, kind === 'node' ? { kind, nodeId: id } : { kind, systemId: id }, null);
  const { at } = await revokeMachineKeys(trx, owner, graceSeconds, key.id);
  await recordAdminAction(trx, {
    ...actor,
    action: `${kind}.key.rotate`,
    departmentId,
    targetKind: kind,
    targetId: id,
    detail: { keyId: key.id, graceSeconds },
  });
  return { apiKey: key.secret, previousKeysValidUntil: at.toISOString() };
}

/**
 * A node renews its own credentials (no administrator needed): a new API key, and a new signing
 * key when it sends one. The earlier API key and signing key keep working for `graceSeconds`, so
 * batches already signed and spooled with the old key still arrive.
 */
export async function rotateOwnNodeKeys(trx: Tx, node: { nodeId: string; departmentId: string }, publicKey: string | undefined, graceSeconds: number, actor: Actor) {
  const issued = await rotateKey(trx, 'node', node.departmentId, node.nodeId, graceSeconds, actor);
  if (publicKey !== undefined) {
    const pem = normaliseEd25519PublicKey(publicKey);
    await sql`
      update nodes set previous_public_key = public_key, previous_key_until = now() + make_interval(secs => ${graceSeconds}), public_key = ${pem}
       where id = ${node.nodeId}`.execute(trx);
    await recordAdminAction(trx, { ...actor, action: 'node.signing-key.rotate', departmentId: node.departmentId, targetKind: 'node', targetId: node.nodeId, detail: { graceSeconds } });
  }
  return { ...issued, signingKeyRotated: publicKey !== undefined };
}

/** Stops every key of the machine at once (a leaked key, a decommissioned machine). */
export async function revokeKeys(trx: Tx, kind: MachineKind, departmentId: string, id: string, actor: Actor) {
  await requireMachine(trx, kind, departmentId, id);
  const { revoked } = await revokeMachineKeys(trx, kind === 'node' ? { nodeId: id } : { systemId: id }, 0);
  await recordAdminAction(trx, {
    ...actor,
    action: `${kind}.key.revoke`,
    departmentId,
    targetKind: kind,
    targetId: id,
    detail: { revoked },
  });
  return { revoked };
}
