import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { authenticateRootKey, requirePermission, type RootKeyContext } from "../../lib/auth/rootKey";
import { checkAdminKey } from "../../lib/auth/admin";
import { workspaceRateLimit, type RateLimitedWorkspace } from "../../lib/auth/workspaceRateLimit";
import { SESSION_COOKIE, sessionForToken, type PortalSession } from "../../lib/portal/sessions";
import type { Requirement } from "../../lib/auth/permissions";

/**
 * The HTTP side of authentication: reads the credentials off the request, calls the lib
 * checks, records the actor on the request scope and puts the workspace rate-limit headers on
 * the response. The rules themselves live in workers/lib/auth and workers/lib/portal.
 */

/** Reads `Authorization: Bearer <token>`; the missing-header 400 wins over every auth error. */
export function bearerToken(c: Context<AppEnv>): string {
  const header = c.req.header("authorization");
  if (header === undefined || header.trim() === "") {
    throw new ApiError("unkey/application/invalid_input", "Authorization header for 'bearer' scheme", {
      errors: [
        {
          location: "header.Authorization",
          message: "missing Authorization header",
          fix: "Send your root key as 'Authorization: Bearer <ROOT_KEY>'",
        },
      ],
    });
  }
  const trimmed = header.trim();
  const token = trimmed.startsWith("Bearer ") ? trimmed.slice(7).trim() : "";
  if (!token) {
    throw new ApiError(
      "unkey/authentication/malformed",
      "You must provide a valid root key in the Authorization header in the format 'Bearer ROOT_KEY'. Your authorization header is missing the 'Bearer ' prefix.",
    );
  }
  return token;
}

/** Counts the request against the workspace's API limit and puts the RateLimit-* headers on the response. */
export async function enforceWorkspaceRateLimit(c: Context<AppEnv>, workspace: RateLimitedWorkspace): Promise<void> {
  const headers = await workspaceRateLimit(c.env, workspace);
  for (const [k, v] of Object.entries(headers ?? {})) c.header(k, v);
}

/**
 * Authenticates the root key of this request, then applies the workspace API rate limit.
 * Memoised on the scope's actor so a handler may call it more than once.
 */
export async function rootKeyAuth(c: Context<AppEnv>): Promise<RootKeyContext> {
  const scope = c.var.scope;
  if (scope.actor.kind === "rootKey") return scope.actor.rootKey;
  const root = await authenticateRootKey(c.env, scope.cache, bearerToken(c));
  scope.actor = { kind: "rootKey", rootKey: root };
  await enforceWorkspaceRateLimit(c, root.workspace);
  return root;
}

/** Authenticate and check in one call, for routes that check permissions before any lookup. */
export async function authorize(c: Context<AppEnv>, req?: Requirement): Promise<RootKeyContext> {
  const root = await rootKeyAuth(c);
  if (req) requirePermission(root, req);
  return root;
}

/** Operator authentication (ADMIN_KEY) of the workspace administration routes. */
export function requireAdmin(c: Context<AppEnv>): void {
  checkAdminKey(c.env, bearerToken(c));
  c.var.scope.actor = { kind: "operator" };
}

const SESSION_INVALID = "The portal session is invalid or has expired.";

/**
 * Authentication of the cookie-only portal routes (§3.5): any Authorization header makes the
 * request unauthenticated; an empty cookie is a missing token; an unknown, expired or revoked
 * one is a 401. The workspace's API rate limit applies afterwards, as for root keys.
 */
export async function portalSessionAuth(c: Context<AppEnv>): Promise<PortalSession> {
  const missing = (detail: string) => new ApiError("unkey/authentication/missing", detail);
  if (c.req.header("authorization") !== undefined) {
    throw missing("Portal routes authenticate with the portal_session cookie only; do not send an Authorization header.");
  }
  const token = getCookie(c, SESSION_COOKIE);
  if (token === undefined) throw missing("Send the portal_session cookie set by the portal.");
  if (token.trim() === "") throw new ApiError("unkey/authentication/portal_token_missing", "A valid portal session token is required.");
  const session = await sessionForToken(c.var.scope, token);
  if (!session) throw new ApiError("unkey/authentication/portal_session_not_found", SESSION_INVALID);
  c.var.scope.actor = { kind: "portalUser", session };
  await enforceWorkspaceRateLimit(c, session.workspace);
  return session;
}
