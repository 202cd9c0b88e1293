import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IdParams, KeyRotate, MachineParams, Node, NodeKeyRotate, System } from '../../contracts/generated/api.ts';
import { principalOf, type Rule, rule } from '../auth/guard.ts';
import { canAdministerDepartment, canReadAudit, hasRole, type Principal } from '../auth/principal.ts';
import type { Db, Tx } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { actorOf, describe, problemResponses, ref } from '../http/route-helpers.ts';
import { findMachine, listMachines, type MachineKind, type MachineRow, presentNode, presentSystem } from './machine-store.ts';
import { changeNode, changeSystem, type SecretServices, createNode, createSystem, revokeKeys, rotateKey, rotateOwnNodeKeys } from './machines.ts';

const departmentOf = (request: FastifyRequest) => (request.params as IdParams).id;

/** Their department's dept_admin, or a platform admin: a dept_admin of another department gets 403. */
const administrators = rule("the department's dept_admin or a platform admin", (p, request) =>
  canAdministerDepartment(p, departmentOf(request)),
);
const readers = rule("the department's dept_admin, an auditor or a platform admin", (p, request) =>
  canAdministerDepartment(p, departmentOf(request)) || canReadAudit(p),
);
/**
 * A department's approvers see its systems as well: they file sharing requests for them
 * (POST /v1/requests names the system), so they must be able to pick one.
 */
const systemReaders = rule("the department's dept_admin or approvers, an auditor or a platform admin", (p, request) =>
  canAdministerDepartment(p, departmentOf(request)) || canReadAudit(p) || hasRole(p, 'approver', departmentOf(request)),
);

interface KindRoutes {
  readonly path: string;
  readonly schema: string;
  readonly label: string;
  readonly readers: Rule;
  readonly present: (r: MachineRow) => Node | System;
  readonly create: (trx: Tx, departmentId: string, body: never, actor: ReturnType<typeof actorOf>) => Promise<{ row: MachineRow; apiKey: string }>;
  readonly change: (trx: Tx, departmentId: string, id: string, body: never, actor: ReturnType<typeof actorOf>, services: SecretServices) => Promise<MachineRow>;
}

const kinds: Record<MachineKind, KindRoutes> = {
  node: {
    path: 'nodes',
    schema: 'Node',
    label: 'front-end node (前置机)',
    readers,
    present: presentNode,
    create: createNode,
    change: changeNode,
  },
  system: {
    path: 'systems',
    schema: 'System',
    label: 'consuming system (应用系统)',
    readers: systemReaders,
    present: presentSystem,
    create: createSystem,
    change: changeSystem,
  },
};

/** The same six routes for nodes and for systems: list, create, get, change, rotate key, revoke keys. */
export async function machineRoutes(app: FastifyInstance, { db }: { db: Db }) {
  for (const kind of ['node', 'system'] as MachineKind[]) {
    const k = kinds[kind];
    const base = `/v1/departments/:id/${k.path}`;

    app.get<{ Params: IdParams }>(base, {
      config: { access: k.readers },
      schema: {
        ...describe('identity', `List a department's ${k.label}s`),
        params: ref('IdParams'),
        response: { 200: ref(`${k.schema}List`), ...problemResponses },
      },
      handler: async (request) => ({ items: (await listMachines(db, kind, request.params.id)).map(k.present) }),
    });

    app.post<{ Params: IdParams; Body: never }>(base, {
      config: { access: administrators },
      schema: {
        ...describe('identity', `Register a ${k.label}; its API key is in the answer, once`),
        params: ref('IdParams'),
        body: ref(`${k.schema}Create`),
        response: { 201: ref(`${k.schema}Created`), ...problemResponses },
      },
      handler: async (request, reply) => {
        const { row, apiKey } = await db.transaction().execute((trx) =>
          k.create(trx, request.params.id, request.body as never, actorOf(request)),
        );
        return reply.status(201).send({ [kind]: k.present(row), apiKey });
      },
    });

    app.get<{ Params: MachineParams }>(`${base}/:machineId`, {
      config: { access: k.readers },
      schema: {
        ...describe('identity', `Get one ${k.label}`),
        params: ref('MachineParams'),
        response: { 200: ref(k.schema), ...problemResponses },
      },
      handler: async (request) => {
        const row = await findMachine(db, kind, request.params.id, request.params.machineId);
        if (!row) throw notFound(`No ${kind} ${request.params.machineId} in department ${request.params.id}`);
        return k.present(row);
      },
    });

    app.patch<{ Params: MachineParams; Body: never }>(`${base}/:machineId`, {
      config: { access: administrators },
      schema: {
        ...describe('identity', `Change a ${k.label} (disable it${kind === 'node' ? ', replace its signing key' : ''})`),
        params: ref('MachineParams'),
        body: ref(`${k.schema}Update`),
        response: { 200: ref(k.schema), ...problemResponses },
      },
      handler: async (request) => {
        const { id, machineId } = request.params;
        return k.present(await db.transaction().execute((trx) => k.change(trx, id, machineId, request.body as never, actorOf(request), app)));
      },
    });

    app.post<{ Params: MachineParams; Body: KeyRotate }>(`${base}/:machineId/keys`, {
      config: { access: administrators },
      schema: {
        ...describe('identity', `Rotate the API key of a ${k.label}; earlier keys stop after the grace time`),
        params: ref('MachineParams'),
        body: ref('KeyRotate'),
        response: { 201: ref('KeyIssued'), ...problemResponses },
      },
      handler: async (request, reply) => {
        const { id, machineId } = request.params;
        const grace = request.body?.graceSeconds ?? 3600;
        const issued = await db.transaction().execute((trx) => rotateKey(trx, kind, id, machineId, grace, actorOf(request)));
        return reply.status(201).send(issued);
      },
    });

    app.delete<{ Params: MachineParams }>(`${base}/:machineId/keys`, {
      config: { access: administrators },
      schema: {
        ...describe('identity', `Revoke every API key of a ${k.label} at once`),
        params: ref('MachineParams'),
        response: { 200: ref('KeysRevoked'), ...problemResponses },
      },
      handler: async (request) =>
        db.transaction().execute((trx) => revokeKeys(trx, kind, request.params.id, request.params.machineId, actorOf(request))),
    });
  }

  app.post<{ Body: NodeKeyRotate }>('/v1/nodes/self/keys', {
    config: { access: rule('a front-end node, for itself', (p) => p.kind === 'node') },
    schema: {
      ...describe('identity', 'A node renews its own API key, and its signing key when it sends a new public key; the earlier ones keep working for graceSeconds'),
      body: ref('NodeKeyRotate'),
      response: { 201: ref('NodeKeysRotated'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const node = principalOf(request) as Extract<Principal, { kind: 'node' }>;
      const grace = request.body.graceSeconds ?? 3600;
      const rotated = await db.transaction().execute((trx) => rotateOwnNodeKeys(trx, node, request.body.publicKey, grace, actorOf(request)));
      return reply.status(201).send(rotated);
    },
  });
}
