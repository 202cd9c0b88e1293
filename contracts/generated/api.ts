/* Generated from contracts/api/*.json by `npm run contracts`. Do not edit: change the schema and regenerate. */

/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditAccessEntry".
 */
export interface AuditAccessEntry {
  seq: number;
  at: string;
  actorKind: string;
  actorId?: string | null;
  departmentId?: string | null;
  systemId?: string | null;
  /**
   * the person the system read for (X-Operator)
   */
  operator?: string | null;
  grantId?: string | null;
  purpose?: string | null;
  dataset?: string | null;
  mode?: string | null;
  subjectKeys: string[];
  fields: string[];
  query?: {
    [k: string]: unknown | undefined;
  } | null;
  recordCount: number;
  outcome: string;
  requestId?: string | null;
  prevHash: string;
  hash: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditAccessPage".
 */
export interface AuditAccessPage {
  items: AuditAccessEntry[];
  nextCursor: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditAdminEntry".
 */
export interface AuditAdminEntry {
  seq: number;
  at: string;
  actorKind: string;
  actorId?: string | null;
  actorName?: string | null;
  departmentId?: string | null;
  action: string;
  targetKind?: string | null;
  targetId?: string | null;
  detail?: {
    [k: string]: unknown | undefined;
  };
  requestId?: string | null;
  prevHash: string;
  hash: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditAdminPage".
 */
export interface AuditAdminPage {
  items: AuditAdminEntry[];
  /**
   * pass as ?cursor= for the next (older) page; null at the end
   */
  nextCursor: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditQuery".
 */
export interface AuditQuery {
  /**
   * id of the user, node or system that acted
   */
  actor?: string;
  department?: string;
  /**
   * dataset code (access log)
   */
  dataset?: string;
  /**
   * action name (admin log), e.g. department.create
   */
  action?: string;
  from?: string;
  to?: string;
  /**
   * nextCursor of the previous page
   */
  cursor?: string;
  limit?: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "AuditVerifyReport".
 */
export interface AuditVerifyReport {
  intact: boolean;
  logs: {
    log: 'admin' | 'access';
    intact: boolean;
    /**
     * entries verified before the first break (all of them when intact)
     */
    entries: number;
    /**
     * hash of the last verified entry; record it outside brx to anchor the chain
     */
    headHash: string;
    firstBrokenSeq?: number;
    reason?: string;
  }[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Department".
 */
export interface Department {
  id: string;
  /**
   * unified social credit code (GB 32100)
   */
  code: string;
  name: string;
  parentId: string | null;
  level: 'province' | 'city' | 'county';
  /**
   * GB/T 2260 region code
   */
  regionCode: string | null;
  status: 'active' | 'suspended';
  createdAt: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "DepartmentCreate".
 */
export interface DepartmentCreate {
  /**
   * unified social credit code (GB 32100), check character verified
   */
  code: string;
  name: string;
  parentId?: string | null;
  level: 'province' | 'city' | 'county';
  regionCode?: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "DepartmentList".
 */
export interface DepartmentList {
  items: Department[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "DepartmentQuery".
 */
export interface DepartmentQuery {
  code?: string;
  parentId?: string;
  /**
   * part of the name
   */
  q?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "DepartmentUpdate".
 */
export interface DepartmentUpdate {
  name?: string;
  parentId?: string | null;
  regionCode?: string | null;
  status?: 'active' | 'suspended';
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "IdParams".
 */
export interface IdParams {
  id: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "KeyIssued".
 */
export interface KeyIssued {
  /**
   * shown once; brx keeps only its hash
   */
  apiKey: string;
  previousKeysValidUntil: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "KeyRotate".
 */
export interface KeyRotate {
  /**
   * how long the machine's earlier keys keep working, so it can switch without a gap
   */
  graceSeconds?: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "KeysRevoked".
 */
export interface KeysRevoked {
  /**
   * keys that stopped working
   */
  revoked: number;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "LoginRequest".
 */
export interface LoginRequest {
  username: string;
  password: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "LoginResponse".
 */
export interface LoginResponse {
  /**
   * bearer token: send as Authorization: Bearer <token>
   */
  token: string;
  expiresAt: string;
  user: User;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "User".
 */
export interface User {
  id: string;
  username: string;
  displayName: string;
  status: 'active' | 'disabled';
  roles: RoleGrant[];
  createdAt: string;
}
/**
 * A role, scoped to a department for dept_admin and approver; platform_admin and auditor carry no department
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "RoleGrant".
 */
export interface RoleGrant {
  role: 'platform_admin' | 'dept_admin' | 'approver' | 'auditor';
  departmentId?: string | null;
}
/**
 * A node or system of a department
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "MachineParams".
 */
export interface MachineParams {
  /**
   * department id
   */
  id: string;
  machineId: string;
}
/**
 * The caller, as the exchange sees it
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Me".
 */
export interface Me {
  kind: 'user' | 'node' | 'system' | 'subject';
  userId?: string;
  username?: string;
  roles?: RoleGrant[];
  nodeId?: string;
  systemId?: string;
  name?: string;
  departmentId?: string;
  subjectId?: string;
}
/**
 * A department's front-end adapter process (前置机)
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Node".
 */
export interface Node {
  id: string;
  departmentId: string;
  name: string;
  /**
   * Ed25519 public key (SPKI PEM) that verifies the node's batch signatures
   */
  publicKey: string;
  status: 'active' | 'disabled';
  /**
   * API keys that are currently accepted
   */
  liveKeys: number;
  createdAt: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NodeCreate".
 */
export interface NodeCreate {
  name: string;
  /**
   * Ed25519 public key: SPKI PEM, or the raw 32 bytes in base64
   */
  publicKey: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NodeCreated".
 */
export interface NodeCreated {
  node: Node;
  /**
   * shown once; brx keeps only its hash
   */
  apiKey: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NodeList".
 */
export interface NodeList {
  items: Node[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "NodeUpdate".
 */
export interface NodeUpdate {
  publicKey?: string;
  status?: 'active' | 'disabled';
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "PasswordIssued".
 */
export interface PasswordIssued {
  /**
   * present when brx generated it; shown once
   */
  password?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "PasswordSet".
 */
export interface PasswordSet {
  /**
   * omit to have one generated and returned once
   */
  password?: string;
  /**
   * required when people change their own password
   */
  currentPassword?: string;
}
/**
 * An error, as RFC 9457 problem details. `code` is stable; `errors` points at each offending field or record.
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "Problem".
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  requestId?: string;
  errors: {
    /**
     * JSON pointer into the part named by `in`
     */
    pointer?: string;
    /**
     * index of the offending record in a batch
     */
    index?: number;
    in?: 'body' | 'query' | 'params' | 'headers';
    message: string;
  }[];
}
/**
 * A department's consuming information system (应用系统); it holds grants
 *
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "System".
 */
export interface System {
  id: string;
  departmentId: string;
  name: string;
  description: string | null;
  status: 'active' | 'disabled';
  liveKeys: number;
  createdAt: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SystemCreate".
 */
export interface SystemCreate {
  name: string;
  description?: string | null;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SystemCreated".
 */
export interface SystemCreated {
  system: System;
  /**
   * shown once; brx keeps only its hash
   */
  apiKey: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SystemList".
 */
export interface SystemList {
  items: System[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "SystemUpdate".
 */
export interface SystemUpdate {
  description?: string | null;
  status?: 'active' | 'disabled';
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "UserCreate".
 */
export interface UserCreate {
  username: string;
  displayName: string;
  /**
   * omit to have one generated and returned once
   */
  password?: string;
  /**
   * @maxItems 50
   */
  roles: RoleGrant[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "UserCreated".
 */
export interface UserCreated {
  user: User;
  /**
   * present when brx generated it; shown once
   */
  password?: string;
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "UserList".
 */
export interface UserList {
  items: User[];
}
/**
 * This interface was referenced by `BrxApi`'s JSON-Schema
 * via the `definition` "UserUpdate".
 */
export interface UserUpdate {
  displayName?: string;
  status?: 'active' | 'disabled';
  /**
   * @maxItems 50
   */
  roles?: RoleGrant[];
}
