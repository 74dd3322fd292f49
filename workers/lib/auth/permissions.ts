/**
 * Root-key permission requirements. A route states what it needs as a small expression of
 * permission strings; `*` is literal and only meaningful because routes list `api.*.<action>`
 * as an alternative to `api.<id>.<action>` (keys-and-apis §7.5). Full-access root keys pass all.
 */
export type Requirement = string | { or: Requirement[] } | { and: Requirement[] };

export const or = (...r: Requirement[]): Requirement => ({ or: r });
export const and = (...r: Requirement[]): Requirement => ({ and: r });

/** `api.*.<action>` or `api.<apiId>.<action>` (the usual API-scoped requirement). */
export const apiAction = (apiId: string, action: string): Requirement =>
  or(`api.*.${action}`, `api.${apiId}.${action}`);


export interface Grants {
  fullAccess: boolean;
  permissions: ReadonlySet<string>;
}

export function satisfies(grants: Grants, req: Requirement): boolean {
  if (grants.fullAccess) return true;
  if (typeof req === "string") return grants.permissions.has(req);
  if ("or" in req) return req.or.some((r) => satisfies(grants, r));
  return req.and.every((r) => satisfies(grants, r));
}

function flatten(req: Requirement): string {
  if (typeof req === "string") return req;
  if ("or" in req) return req.or.map(flatten).join(" or ");
  return req.and.map(flatten).join(" and ");
}

/** Unkey's wording: one requirement, or a list of alternatives. */
export function describeMissing(req: Requirement): string {
  if (typeof req === "string") return `Missing permission: '${req}'`;
  return `Missing one of these permissions: ${flatten(req)}`;
}

/**
 * Whether a root key may hand out `permission` to a new root key: it must hold it itself,
 * either exactly or through the `*` id-slot form of the same action.
 */
export function canDelegate(grants: Grants, permission: string): boolean {
  if (grants.fullAccess) return true;
  if (grants.permissions.has(permission)) return true;
  const parts = permission.split(".");
  if (parts.length === 3 && parts[1] !== "*") return grants.permissions.has(`${parts[0]}.*.${parts[2]}`);
  return false;
}
