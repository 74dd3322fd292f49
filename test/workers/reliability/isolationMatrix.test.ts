import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, newApi, newWorkspace } from "../../helpers/harness";

/**
 * Tenant isolation matrix: every endpoint in /openapi.json is called with a full-access root
 * key of workspace B and a body that names workspace A's resources (by the field names the
 * contract uses). B must never learn that A's resources exist: no 403/409/412 that would
 * confirm them, no id, name or secret of A's in any answer, and the resources that a route
 * looks up answer not-found, writing nothing.
 */
type Schema = {
  properties?: Record<string, Schema>;
  required?: string[];
  type?: string | string[];
  $ref?: string;
  items?: Schema;
  enum?: unknown[];
  minLength?: number;
};

let doc: {
  paths: Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: Schema }> } } }>;
  components: { schemas: Record<string, Schema> };
};
const A: Record<string, string> = {};
let bRootKey = "";
const secretsOfA: string[] = [];

/** Row count, max rowid and max updated_at of every table: a rejected request must not move it. */
async function fingerprint(): Promise<string> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
  ).all<{ name: string }>();
  const queries = [];
  for (const { name } of tables.results) {
    const cols = await env.DB.prepare(`SELECT name FROM pragma_table_info('${name}')`).all<{ name: string }>();
    const updated = cols.results.some((c) => c.name === "updated_at") ? ", max(updated_at)" : "";
    queries.push(env.DB.prepare(`SELECT count(*), max(rowid)${updated} FROM "${name}"`));
  }
  return JSON.stringify((await env.DB.batch(queries)).map((r) => r.results));
}

const FIELD_VALUES: Record<string, () => unknown> = {
  apiId: () => A.apiId,
  keyId: () => A.keyId,
  key: () => A.key,
  identity: () => A.identityId,
  identityId: () => A.identityId,
  externalId: () => A.externalId,
  permission: () => A.permissionId,
  permissionId: () => A.permissionId,
  role: () => A.roleId,
  roleId: () => A.roleId,
  namespace: () => A.namespaceId,
  namespaceId: () => A.namespaceId,
  identifier: () => A.overrideIdentifier,
  migrationId: () => A.migrationId,
  auditLogId: () => A.auditLogId,
  logId: () => A.auditLogId,
  id: () => A.auditLogId,
  rootKeyId: () => A.rootKeyId,
  endpointId: () => A.endpointId,
  deliveryId: () => A.deliveryId,
  permissions: () => [A.permissionSlug],
  roles: () => [A.roleName],
};

function resolve(s: Schema | undefined): Schema | undefined {
  return s?.$ref ? doc.components.schemas[s.$ref.split("/").pop()!] : s;
}

function filler(s: Schema | undefined): unknown {
  const r = resolve(s);
  const t = Array.isArray(r?.type) ? r!.type[0] : r?.type;
  if (r?.enum?.length) return r.enum[0];
  if (t === "string") return "x".repeat(Math.max(8, r?.minLength ?? 8));
  if (t === "integer" || t === "number") return 60_000;
  if (t === "boolean") return false;
  if (t === "array") return [];
  if (t === "object") return {};
  return "xxxxxxxx";
}

function bodyFor(schema: Schema | undefined): unknown {
  const s = resolve(schema);
  if (s?.type === "array") return [bodyFor(s.items)];
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(s?.properties ?? {})) {
    if (FIELD_VALUES[name]) out[name] = FIELD_VALUES[name]!();
    else if (s?.required?.includes(name)) out[name] = filler(prop);
  }
  return out;
}

beforeAll(async () => {
  doc = (await (await SELF.fetch("http://api.test/openapi.json")).json()) as typeof doc;
  const a = await newWorkspace("tenant a");
  const b = await newWorkspace("tenant b");
  bRootKey = b.rootKey;
  A.rootKeyId = a.rootKeyId;
  A.apiId = await newApi(a.rootKey, "a-secret-api");
  A.externalId = "a_user_external";
  const created = (await call("keys.createKey", { apiId: A.apiId, externalId: A.externalId, name: "a-key-name" }, a.rootKey)).body.data;
  A.key = created.key;
  A.keyId = created.keyId;
  A.identityId = (await call("identities.getIdentity", { identity: A.externalId }, a.rootKey)).body.data?.id ?? "id_unknown";
  const perm = await call("permissions.createPermission", { name: "a.secret.perm", slug: "a.secret.perm" }, a.rootKey);
  A.permissionId = perm.body.data?.permissionId;
  A.permissionSlug = "a.secret.perm";
  const role = await call("permissions.createRole", { name: "a-secret-role" }, a.rootKey);
  A.roleId = role.body.data?.roleId;
  A.roleName = "a-secret-role";
  A.overrideIdentifier = "a_override_identifier";
  await call("ratelimit.limit", { namespace: "a_secret_ns", identifier: "someone", limit: 5, duration: 60_000 }, a.rootKey);
  const ov = await call("ratelimit.setOverride", { namespace: "a_secret_ns", identifier: A.overrideIdentifier, limit: 5, duration: 60_000 }, a.rootKey);
  A.overrideId = ov.body.data?.overrideId;
  const ns = await call("ratelimit.getOverride", { namespace: "a_secret_ns", identifier: A.overrideIdentifier }, a.rootKey);
  A.namespaceId = ns.body.data?.namespaceId ?? "a_secret_ns";
  A.migrationId = (await call("keys.createMigration", { apiId: A.apiId, hash: "sha256_base64" }, a.rootKey)).body.data?.migrationId;
  const logs = await call("audit.listLogs", {}, a.rootKey);
  A.auditLogId = logs.body.data?.[0]?.id;
  // last, so no event of A's setup is queued: a settled delivery written directly (no Queue activity during the matrix)
  A.endpointId = (await call("webhooks.createEndpoint", { url: "https://receiver.invalid/a", events: ["key.created"] }, a.rootKey)).body.data?.endpointId;
  A.deliveryId = "msg_aSecretDelivery0000000000";
  await env.DB.prepare(
    "INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_type, payload, status, attempts, created_at) VALUES (?, ?, ?, 'key.created', '{}', 'succeeded', 1, ?)",
  )
    .bind(A.deliveryId, a.workspaceId, A.endpointId, Date.now())
    .run();
  for (const [k, v] of Object.entries(A)) {
    if (!v) throw new Error(`setup of workspace A failed at ${k}`);
    // names (externalId, slugs, identifiers) are B's to reuse; ids and secrets are A's alone
    if (!["externalId", "permissionSlug", "roleName", "overrideIdentifier"].includes(k) && v !== "a_secret_ns") secretsOfA.push(v);
  }
});

describe("tenant isolation matrix", () => {
  it("no endpoint lets workspace B see, confirm or touch workspace A's resources", async () => {
    // before B creates anything of its own under the same names
    expect((await call("ratelimit.getOverride", { namespace: "a_secret_ns", identifier: A.overrideIdentifier }, bRootKey)).status).toBe(404);
    expect((await call("ratelimit.listOverrides", { namespace: A.namespaceId }, bRootKey)).status).toBe(404);
    const rows: string[] = [];
    const problems: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      // github.installApp answers 412 to everyone (nothing to install here), whatever exists
      if (
        !item.post ||
        !path.startsWith("/v2/") ||
        path.startsWith("/v2/workspaces.") ||
        path === "/v2/github.secretScanning" ||
        path === "/v2/github.installApp"
      )
        continue;
      const body = bodyFor(item.post.requestBody?.content?.["application/json"]?.schema);
      const before = await fingerprint();
      const res = await SELF.fetch(`http://api.test${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${bRootKey}`, "content-type": "application/json", cookie: "portal_session=pat_notarealsession" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      rows.push(`${res.status} ${path}`);
      if ([403, 409, 412].includes(res.status)) problems.push(`${path}: ${res.status} could confirm A's resource: ${text.slice(0, 200)}`);
      if (res.status >= 500) problems.push(`${path}: ${res.status} ${text.slice(0, 200)}`);
      if (res.status >= 400 && (await fingerprint()) !== before) problems.push(`${path}: ${res.status} but the database changed`);
      for (const s of secretsOfA) if (text.includes(s)) problems.push(`${path}: answer contains A's ${s}`);
    }
    expect(problems).toEqual([]);
    // the lookups that matter answer not-found (verifyKey: 200 NOT_FOUND)
    const notFound = [
      "apis.getApi",
      "apis.listKeys",
      "apis.deleteApi",
      "keys.getKey",
      "keys.updateKey",
      "keys.deleteKey",
      "keys.whoami",
      "keys.rerollKey",
      "keys.updateCredits",
      "identities.getIdentity",
      "identities.deleteIdentity",
      "permissions.getPermission",
      "permissions.getRole",
      "permissions.deletePermission",
      "permissions.deleteRole",
      "audit.getLog",
    ];
    for (const op of notFound) expect(rows, op).toContain(`404 /v2/${op}`);
    const verify = await call("keys.verifyKey", { key: A.key }, bRootKey);
    expect(verify.body.data).toEqual({ valid: false, code: "NOT_FOUND" });
  }, 120_000); // ~100 endpoints in sequence: beyond the 30 s default on a loaded machine
});
