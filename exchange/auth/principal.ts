import type { Role } from '../db/schema.ts';

export interface RoleGrant {
  readonly role: Role;
  readonly departmentId: string | null;
}

/** Who is calling, as established from the bearer credential. */
export type Principal =
  | {
      readonly kind: 'user';
      readonly credentialId: string;
      readonly userId: string;
      readonly username: string;
      readonly roles: readonly RoleGrant[];
    }
  | {
      readonly kind: 'node';
      readonly credentialId: string;
      readonly nodeId: string;
      readonly name: string;
      readonly departmentId: string;
    }
  | {
      readonly kind: 'system';
      readonly credentialId: string;
      readonly systemId: string;
      readonly name: string;
      readonly departmentId: string;
      /** the department's node calling for the system (a receiving job), when it is not the system itself */
      readonly via?: { readonly nodeId: string; readonly name: string };
    }
  | {
      readonly kind: 'subject';
      readonly credentialId: string;
      readonly subjectId: string;
    };

export function hasRole(p: Principal, role: Role, departmentId?: string | null): boolean {
  if (p.kind !== 'user') return false;
  return p.roles.some((r) => r.role === role && (departmentId === undefined || r.departmentId === departmentId));
}

export function isPlatformAdmin(p: Principal): boolean {
  return hasRole(p, 'platform_admin');
}

/** A dept_admin of this very department, or a platform admin. */
export function canAdministerDepartment(p: Principal, departmentId: string): boolean {
  return isPlatformAdmin(p) || hasRole(p, 'dept_admin', departmentId);
}

export function canReadAudit(p: Principal): boolean {
  return isPlatformAdmin(p) || hasRole(p, 'auditor');
}

/** The department a machine or a department-scoped person acts for; none for platform roles. */
export function departmentsOf(p: Principal): string[] {
  if (p.kind === 'node' || p.kind === 'system') return [p.departmentId];
  if (p.kind === 'user') return [...new Set(p.roles.flatMap((r) => (r.departmentId ? [r.departmentId] : [])))];
  return [];
}

/**
 * Whose figures a caller may see: every department's for auditors and platform admins
 * (`undefined`, or just the one asked for), else their own departments (narrowed to the one asked
 * for, which comes to none when it is not theirs); `null` when the caller has no department at all.
 */
export function departmentScope(p: Principal, asked: string | undefined): string[] | undefined | null {
  if (canReadAudit(p)) return asked ? [asked] : undefined;
  const mine = departmentsOf(p);
  if (mine.length === 0) return null;
  return asked ? mine.filter((d) => d === asked) : mine;
}
