import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { db, schema } from "../db";
import { newId } from "../ids";
import { sha256Base64 } from "../crypto";
import { ApiError } from "../errors";
import { auditInserts, auditStatement } from "../audit";
import { and as allOf, apiAction, satisfies, type Requirement } from "../auth/permissions";
import type { RootKeyContext } from "../auth/rootKey";
import { findApi } from "../apis";
import { findPortal, portalNotFound } from "./portals";
import { portalBaseUrl } from "./origin";
import type { RequestScope } from "../scope";

/** The fixed scope vocabulary of portal sessions. */
export const PORTAL_SCOPES = ["keys:read", "keys:create", "keys:reroll", "analytics:read"] as const;
export type PortalScope = (typeof PORTAL_SCOPES)[number];

/** The exchange code in the portal URL lives 15 minutes and is redeemed at most once. */
export const CODE_TTL_MS = 15 * 60_000;
/** The access token (cookie `portal_session`) lives 24 hours and is never extended. */
export const TOKEN_TTL_MS = 24 * 60 * 60_000;
export const SESSION_COOKIE = "portal_session";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `<prefix>_` + 24 uniformly random alphanumerics from the CSPRNG (rejection sampling). */
export function newPortalSecret(prefix: "pst" | "pat"): string {
  let out = "";
  while (out.length < 24) {
    for (const b of crypto.getRandomValues(new Uint8Array(32))) {
      if (b < 248 && out.length < 24) out += ALPHANUMERIC[b % 62];
    }
  }
  return `${prefix}_${out}`;
}

/** What a root key must itself hold on an API to hand `scope` to an end user. */
export function scopeCeiling(scope: PortalScope, apiId: string, storeEncryptedKeys: boolean): Requirement {
  switch (scope) {
    case "keys:read":
      return allOf(apiAction(apiId, "read_key"), apiAction(apiId, "read_api"));
    case "keys:create":
    case "keys:reroll":
      return storeEncryptedKeys ? allOf(apiAction(apiId, "create_key"), apiAction(apiId, "encrypt_key")) : apiAction(apiId, "create_key");
    case "analytics:read":
      return apiAction(apiId, "read_analytics");
  }
}

export interface CreateSessionInput {
  portal: string;
  externalId: string;
  scopes: PortalScope[];
  preview: boolean;
  returnUrl?: string;
}

/**
 * Mints a portal session for an end user (analytics-audit-portal-security §3.3): portal lookup
 * in the caller's workspace, the masked `create_portal_session` check, the enabled flag, the
 * keyspace resolution, then the scope ceiling; the session row and its audit event land in one
 * batch. Returns the session id and the single-use URL.
 */
export async function createPortalSession(scope: RequestScope, root: RootKeyContext, input: CreateSessionInput, requestUrl: string) {
  // first: without a configured address there is nowhere to send the user (412, nothing written)
  const base = portalBaseUrl(scope.env, requestUrl);
  const d = scope.db;
  const portal = await findPortal(d, root.workspaceId, input.portal);
  if (!portal) throw portalNotFound();
  if (!satisfies(root, { or: ["portal.*.create_portal_session", `portal.${portal.id}.create_portal_session`] })) {
    throw portalNotFound();
  }
  if (!portal.enabled) throw new ApiError("unkey/authorization/forbidden", "Portal is disabled.");
  const api = await findApi(d, root.workspaceId, portal.apiId);
  if (!api || !api.keyspace || api.keyspace.deletedAt !== null) {
    throw new ApiError("unkey/authorization/forbidden", "Portal is not available: the API it uses no longer exists.");
  }
  if (api.keyspaceId !== portal.keyspaceId) {
    throw new ApiError("unkey/application/unexpected_error", "Portal configuration is invalid.");
  }
  const scopes = [...new Set(input.scopes)];
  for (const granted of scopes) {
    if (!satisfies(root, scopeCeiling(granted, api.id, api.keyspace.storeEncryptedKeys))) {
      throw new ApiError("unkey/authorization/insufficient_permissions", `You do not have permission to grant the "${granted}" scope to a portal session.`);
    }
  }
  const keyspaceIds = [portal.keyspaceId];
  const id = newId("ps");
  const code = newPortalSecret("pst");
  const now = Date.now();
  await d.batch([
    d.insert(schema.portalSessions).values({
      id,
      workspaceId: root.workspaceId,
      portalId: portal.id,
      externalId: input.externalId,
      grant: { keyspaceIds, scopes },
      preview: input.preview,
      exchangeCodeHash: await sha256Base64(code),
      exchangeCodeExpiresAt: now + CODE_TTL_MS,
      returnUrl: input.returnUrl ?? null,
      createdAt: now,
    }),
    ...auditInserts(scope, root.workspaceId, [
      {
        event: "portal.session.create",
        description: `Created portal session ${id} for ${input.externalId}`,
        targets: [{ type: "portalSession", id, meta: { portalId: portal.id, slug: portal.slug, scopes, keyspaceIds } }],
        meta: { portalId: portal.id, slug: portal.slug, scopes, keyspaceIds, externalId: input.externalId, preview: input.preview },
      },
    ]),
  ]);
  return { id, url: `${base}/?code=${code}` };
}

const CODE_INVALID = "Session is invalid, expired, or has already been used.";

/**
 * Redeems an exchange code for an access token (§3.4). The code must be known, unexpired and
 * unredeemed; one conditional UPDATE makes redemption single-use even under concurrency, and
 * the audit event is written in the same batch only if that UPDATE took effect.
 */
export async function redeemCode(scope: RequestScope, code: string) {
  if (code.trim() === "") throw new ApiError("unkey/authentication/portal_token_missing", "code is required.");
  const d = scope.db;
  const ps = schema.portalSessions;
  const codeHash = await sha256Base64(code);
  const now = Date.now();
  const [row] = await d
    .select({ id: ps.id, workspaceId: ps.workspaceId, externalId: ps.externalId })
    .from(ps)
    .where(and(eq(ps.exchangeCodeHash, codeHash), isNull(ps.accessTokenHash), isNull(ps.revokedAt), gt(ps.exchangeCodeExpiresAt, now)))
    .limit(1);
  if (!row) throw new ApiError("unkey/authentication/portal_session_not_found", CODE_INVALID);
  const accessToken = newPortalSecret("pat");
  const tokenHash = await sha256Base64(accessToken);
  const expiresAt = now + TOKEN_TTL_MS;
  const [update] = await d.batch([
    d
      .update(ps)
      .set({ accessTokenHash: tokenHash, accessTokenCreatedAt: now, accessTokenExpiresAt: expiresAt })
      .where(and(eq(ps.exchangeCodeHash, codeHash), isNull(ps.accessTokenHash), isNull(ps.revokedAt), gt(ps.exchangeCodeExpiresAt, now))),
    auditIfRedeemed(scope, row, tokenHash),
  ]);
  if (changes(update) !== 1) throw new ApiError("unkey/authentication/portal_session_not_found", CODE_INVALID);
  return { accessToken, expiresAt, sessionId: row.id };
}

/**
 * The `portal.session.exchange` audit row (actor: the system, id = the session), inserted only
 * if the session now carries this token, i.e. only when the redemption in the same batch won.
 * (INSERT … SELECT … WHERE EXISTS).
 */
function auditIfRedeemed(scope: RequestScope, row: { id: string; workspaceId: string; externalId: string }, tokenHash: string) {
  return auditStatement(
    scope.db,
    {
      workspaceId: row.workspaceId,
      event: "portal.session.exchange",
      description: `Exchanged the code of portal session ${row.id} for an access token`,
      targets: [{ type: "portalSession", id: row.id }],
      meta: { externalId: row.externalId },
      actor: { type: "system", id: row.id },
      remoteIp: scope.callerIp,
      userAgent: scope.userAgent,
    },
    { where: sql`EXISTS (SELECT 1 FROM portal_sessions WHERE id = ${row.id} AND access_token_hash = ${tokenHash})` },
  );
}

function changes(result: unknown): number {
  const meta = (result as { meta?: { changes?: number } } | undefined)?.meta;
  return meta?.changes ?? 0;
}

/** An authenticated portal visit: who, where, what they may do, and the portal's branding. */
export interface PortalSession {
  id: string;
  workspaceId: string;
  externalId: string;
  scopes: PortalScope[];
  keyspaceIds: string[];
  preview: boolean;
  returnUrl: string | null;
  expiresAt: number;
  portal: {
    id: string;
    slug: string;
    apiId: string;
    name: string | null;
    logoUrl: string | null;
    primaryColor: string;
    docsMarkdown: string | null;
  };
  workspace: RootKeyContext["workspace"];
}

type CachedSession = Omit<PortalSession, "scopes"> & { scopes: string[]; revokedAt: number | null; portalEnabled: boolean };

async function loadSession(d1: D1Database, tokenHash: string): Promise<CachedSession | null> {
  const rows = await db(d1)
    .select({ s: schema.portalSessions, p: schema.portals, w: schema.workspaces })
    .from(schema.portalSessions)
    .innerJoin(schema.portals, eq(schema.portals.id, schema.portalSessions.portalId))
    .innerJoin(schema.workspaces, eq(schema.workspaces.id, schema.portalSessions.workspaceId))
    .where(eq(schema.portalSessions.accessTokenHash, tokenHash))
    .limit(1);
  const row = rows[0];
  if (!row || row.w.deletedAt !== null) return null;
  const { s, p, w } = row;
  if (s.accessTokenExpiresAt === null) return null;
  return {
    id: s.id,
    workspaceId: s.workspaceId,
    externalId: s.externalId,
    scopes: s.grant.scopes,
    keyspaceIds: s.grant.keyspaceIds,
    preview: s.preview,
    returnUrl: s.returnUrl,
    expiresAt: s.accessTokenExpiresAt,
    revokedAt: s.revokedAt,
    portalEnabled: p.enabled,
    portal: {
      id: p.id,
      slug: p.slug,
      apiId: p.apiId,
      name: p.name,
      logoUrl: p.logoUrl,
      primaryColor: p.primaryColor,
      docsMarkdown: p.docsMarkdown,
    },
    workspace: {
      id: w.id,
      name: w.name,
      enabled: w.enabled,
      apiRateLimitPerMinute: w.apiRateLimitPerMinute,
      analyticsEnabled: w.analyticsEnabled,
      analyticsRetentionDays: w.analyticsRetentionDays,
      auditRetentionDays: w.auditRetentionDays,
    },
  };
}

/**
 * The session an access token belongs to, if it is active: known, not revoked, not expired,
 * its portal still enabled and its workspace still enabled. Reads are cached (namespace
 * `portalSession`); expiry is checked on every call, so caching only delays revocation.
 */
export async function sessionForToken(scope: RequestScope, token: string): Promise<PortalSession | null> {
  const found = await inspectSessionToken(scope, token);
  return found.state === "active" ? found.session : null;
}

export type TokenInspection = { state: "active"; session: PortalSession } | { state: "expired"; returnUrl: string | null } | { state: "unknown" };

/**
 * Like `sessionForToken`, but tells an ended session (expired, revoked, portal or workspace
 * disabled) apart from an unknown token, so the pages can send the user back to the
 * session's return URL.
 */
export async function inspectSessionToken(scope: RequestScope, token: string): Promise<TokenInspection> {
  if (!/^pat_[A-Za-z0-9]{24}$/.test(token)) return { state: "unknown" };
  const hash = await sha256Base64(token);
  const s = await scope.cache.swr("portalSession", hash, () => loadSession(scope.env.DB, hash));
  if (!s) return { state: "unknown" };
  if (s.revokedAt !== null || s.expiresAt <= Date.now() || !s.portalEnabled || !s.workspace.enabled) {
    return { state: "expired", returnUrl: s.returnUrl };
  }
  const { revokedAt: _r, portalEnabled: _e, ...session } = s;
  return {
    state: "active",
    session: { ...session, scopes: s.scopes.filter((x): x is PortalScope => (PORTAL_SCOPES as readonly string[]).includes(x)) },
  };
}

/** Forget cached session reads (after a portal's sessions were deleted or revoked). */
export async function forgetSessions(scope: RequestScope, tokenHashes: string[]) {
  await scope.cache.remove("portalSession", ...tokenHashes);
}

export function hasScope(session: PortalSession, scope: PortalScope): boolean {
  return session.scopes.includes(scope);
}

export function requireScope(session: PortalSession, scope: PortalScope): void {
  if (!hasScope(session, scope)) {
    throw new ApiError("unkey/authorization/insufficient_permissions", `This portal session does not have the "${scope}" scope.`);
  }
}

/**
 * Ends a session at the end user's request (sign out): sets `revoked_at` and forgets the
 * cached read here. Audited as `portal.session.revoke` (our event; Unkey has no sign-out).
 */
export async function revokeSession(scope: RequestScope, session: PortalSession, token: string) {
  const d = scope.db;
  const hash = await sha256Base64(token);
  await d.batch([
    d.update(schema.portalSessions).set({ revokedAt: Date.now() }).where(eq(schema.portalSessions.id, session.id)),
    ...auditInserts(
      scope,
      session.workspaceId,
      [{ event: "portal.session.revoke", description: `Signed out of portal session ${session.id}`, targets: [{ type: "portalSession", id: session.id }] }],
      { type: "portalEndUser", id: session.externalId },
    ),
  ]);
  await forgetSessions(scope, [hash]);
}
