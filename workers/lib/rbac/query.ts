/**
 * The permission query language of verifyKey (ratelimit-identities-rbac §5): identifiers,
 * AND / OR (AND binds tighter), parentheses. INTERFACE ONLY until the RBAC work lands.
 */
export type PermissionQuery =
  | { type: "permission"; name: string }
  | { type: "and" | "or"; left: PermissionQuery; right: PermissionQuery };

/** Parses a query; throws ApiError("user/bad_request/permissions_query_syntax_error") with the position. */
export function parsePermissionQuery(_query: string): PermissionQuery {
  throw new Error("permission queries are not implemented yet");
}

/** Evaluates against the key's permission slugs (direct ∪ from roles); exact string match. */
export function evaluatePermissionQuery(_q: PermissionQuery, _permissions: ReadonlySet<string>): boolean {
  throw new Error("permission queries are not implemented yet");
}
