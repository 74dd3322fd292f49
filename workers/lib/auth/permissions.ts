/**
 * Root-key permission requirements. A route states what it needs as a small expression of
 * permission strings; `*` is literal and only meaningful because routes list `api.*.<action>`
 * as an alternative to `api.<id>.<action>` (keys-and-apis §7.5). Full-access root keys pass all.
 */
export type Requirement = string | { or: Requirement[] } | { and: Requirement[] };

export const or = (...r: Requirement[]): Requirement => ({ or: r });
export const and = (...r: Requirement[]): Requirement => ({ and: r });
/**
 * A plain tuple, as the few Unkey handlers that authorize without `Or(...)` state it: its 403
 * reads `Missing permission: '<p>'`. A bare string requirement is Unkey's usual `Or(T(p))`.
 */
export const exactly = (p: string): Requirement => ({ and: [p] });

/** `api.*.<action>` or `api.<apiId>.<action>` (the usual API-scoped requirement). */
export const apiAction = (apiId: string, action: string): Requirement => or(`api.*.${action}`, `api.${apiId}.${action}`);

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

/**
 * Unkey's wording. Its handlers authorize through `Or(...)` almost everywhere, even with one
 * alternative, so a bare string or an `or` reads `Missing one of these permissions: a or b`. An
 * `and` answers with its first unmet member, a plain tuple there reading `Missing permission: 'p'`.
 */
export function describeMissing(req: Requirement, grants?: Grants): string {
  if (typeof req === "string" || "or" in req) return `Missing one of these permissions: ${flatten(req)}`;
  const unmet = req.and.find((r) => !grants || !satisfies(grants, r)) ?? req.and[0]!;
  return typeof unmet === "string" ? `Missing permission: '${unmet}'` : describeMissing(unmet, grants);
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
