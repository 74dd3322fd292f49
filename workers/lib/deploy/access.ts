import { ApiError } from "../errors";
import { describeMissing, or, satisfies, type Grants, type Requirement } from "../auth/permissions";

/** `<type>.*.<action>` or `<type>.<id>.<action>`. */
export const scoped = (type: "project" | "app" | "environment", action: string, id: string): Requirement =>
  or(`${type}.*.${action}`, `${type}.${id}.${action}`);

/**
 * Before a lookup: a key that holds the action for no resource at all is refused with 403
 * right away; one scoped to other resources is checked once the target's id is known.
 */
export function requireSomeScope(root: Grants, type: "project" | "app" | "environment", action: string): void {
  if (root.fullAccess) return;
  for (const p of root.permissions) if (p.startsWith(`${type}.`) && p.endsWith(`.${action}`)) return;
  throw new ApiError("unkey/authorization/insufficient_permissions", describeMissing(or(`${type}.*.${action}`, `${type}.<id>.${action}`)));
}

export function allowed(root: Grants, req: Requirement): boolean {
  return satisfies(root, req);
}
