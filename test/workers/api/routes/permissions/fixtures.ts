import { env } from "cloudflare:test";
import { call, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

/** A workspace with a full-access root key and an API. */
export async function rbacWorld(name = "rbac tests") {
  const ws = await newWorkspace(name);
  const apiId = await newApi(ws.rootKey, "rbac api");
  const scoped = (permissions: string[]) => rootKeyWith(ws.rootKey, permissions);
  return { ws, root: ws.rootKey, apiId, scoped };
}

export async function createPermission(root: string, slug: string, extra: { name?: string; description?: string } = {}) {
  const r = await call("permissions.createPermission", { name: extra.name ?? slug, slug, ...extra }, root);
  if (r.status !== 200) throw new Error(`createPermission: ${JSON.stringify(r.body)}`);
  return r.body.data.permissionId as string;
}

export async function createRole(root: string, name: string, permissions?: string[], description?: string) {
  const r = await call("permissions.createRole", { name, permissions, description }, root);
  if (r.status !== 200) throw new Error(`createRole: ${JSON.stringify(r.body)}`);
  return r.body.data.roleId as string;
}

export async function createKey(root: string, apiId: string, extra: Record<string, unknown> = {}) {
  const r = await call("keys.createKey", { apiId, ...extra }, root);
  if (r.status !== 200) throw new Error(`createKey: ${JSON.stringify(r.body)}`);
  return r.body.data as { keyId: string; key: string };
}

export async function verify(root: string, key: string, permissions?: string) {
  return call("keys.verifyKey", permissions === undefined ? { key } : { key, permissions }, root);
}

/** The audit events of a workspace with this event name. */
export async function auditEvents(workspaceId: string, event: string) {
  const { results } = await env.DB.prepare(
    "SELECT event, description, targets, actor_type AS actorType FROM audit_logs WHERE workspace_id = ? AND event = ? ORDER BY time",
  )
    .bind(workspaceId, event)
    .all<{ event: string; description: string; targets: string; actorType: string }>();
  return results.map((r) => ({ ...r, targets: JSON.parse(r.targets) as { type: string; id: string; name?: string }[] }));
}

export async function count(sql: string, ...binds: unknown[]) {
  const row = await env.DB.prepare(sql)
    .bind(...binds)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export const TYPE = (code: string) => `https://unkey.com/docs/errors/${code}`;
