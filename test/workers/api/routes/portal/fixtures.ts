import { env, SELF } from "cloudflare:test";
import { generateKey, sha256Base64 } from "../../../../../workers/lib/crypto";
import { newId } from "../../../../../workers/lib/ids";
import { call, newApi, newWorkspace } from "../../../../helpers/harness";

/** A workspace with an API, a portal on it, and keys for two end users. */
export async function portalWorld(opts: { scopes?: string[] } = {}) {
  const ws = await newWorkspace("portal tests");
  const apiId = await newApi(ws.rootKey, "portal api");
  const slug = `portal-${crypto.randomUUID().slice(0, 8)}`;
  const created = await call("portal.createPortal", { slug, apiId, name: "Acme Developers", primaryColor: "#ff5500" }, ws.rootKey);
  if (created.status !== 200) throw new Error(`createPortal: ${JSON.stringify(created.body)}`);
  const portalId: string = created.body.data.portalId;
  const api = await call("apis.getApi", { apiId }, ws.rootKey);
  const keyspaceId: string = api.body.data.keySpaceId;
  const keyFor = (externalId: string, name: string, extra: { remaining?: number } = {}) =>
    insertKey(ws.workspaceId, keyspaceId, externalId, name, extra.remaining ?? null);
  const alice = await keyFor("user_alice", "alice key", { remaining: 100 });
  const bob = await keyFor("user_bob", "bob key");
  return { ws, apiId, keyspaceId, slug, portalId, alice, bob, keyFor, scopes: opts.scopes };
}

export const ALL_SCOPES = ["keys:read", "keys:reroll", "analytics:read"];

/** createSession → code from the URL. */
export async function mintCode(rootKey: string, portal: string, externalId: string, scopes = ALL_SCOPES, extra: Record<string, unknown> = {}) {
  const r = await call("portal.createSession", { portal, externalId, scopes, ...extra }, rootKey);
  if (r.status !== 200) throw new Error(`createSession: ${JSON.stringify(r.body)}`);
  const url = new URL(r.body.data.url);
  return { sessionId: r.body.data.id as string, url, code: url.searchParams.get("code")! };
}

/** A signed-in session of `externalId`: its access token (the cookie value). */
export async function signIn(rootKey: string, portal: string, externalId: string, scopes = ALL_SCOPES) {
  const { code, sessionId } = await mintCode(rootKey, portal, externalId, scopes);
  const r = await call("portal.exchangeCode", { code }, null);
  if (r.status !== 200) throw new Error(`exchangeCode: ${JSON.stringify(r.body)}`);
  return { token: r.body.data.accessToken as string, sessionId };
}

/** POST /v2/portal.<method> with the session cookie. */
export function portalCall(operation: string, body: unknown, token: string, headers: Record<string, string> = {}) {
  return call(operation, body, null, { cookie: `portal_session=${token}`, ...headers });
}

/** GET or POST a portal page with the session cookie; never follows redirects. */
export function page(path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set("cookie", `portal_session=${init.token}`);
  return SELF.fetch(`http://api.test${path}`, { ...init, headers, redirect: "manual" });
}

/**
 * A key of the end user `externalId` (its identity created when missing), written straight to
 * D1 so these tests depend only on the portal and the stored shape of keys and identities.
 */
export async function insertKey(workspaceId: string, keyspaceId: string, externalId: string, name: string, remaining: number | null = null) {
  const now = Date.now();
  await env.DB.prepare("INSERT OR IGNORE INTO identities (id, workspace_id, external_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(newId("id"), workspaceId, externalId, now)
    .run();
  const identity = await env.DB.prepare("SELECT id FROM identities WHERE workspace_id = ? AND external_id = ? AND deleted_at IS NULL")
    .bind(workspaceId, externalId)
    .first<{ id: string }>();
  const keyId = newId("key");
  const { key, start } = generateKey("acme", 16);
  await env.DB.prepare(
    "INSERT INTO keys (id, workspace_id, keyspace_id, hash, start, name, identity_id, enabled, remaining, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
  )
    .bind(keyId, workspaceId, keyspaceId, await sha256Base64(key), start, name, identity!.id, remaining, now)
    .run();
  return { keyId, key };
}
