import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_KEY, call, newWorkspace } from "../../helpers/harness";

/**
 * One table: every mutating endpoint → the audit event types it writes (Unkey's names from its
 * audit catalogue; our extensions in the same `<resource>.<verb>` form, listed in docs/audit.md).
 */
const EVENTS: Record<string, string[]> = {
  "workspaces.createWorkspace": ["workspace.create", "rootKey.create"],
  "workspaces.updateWorkspace": ["workspace.update"],
  "rootKeys.createRootKey": ["rootKey.create"],
  "rootKeys.deleteRootKey": ["rootKey.delete"],
  "apis.createApi": ["api.create"],
  "apis.updateApi": ["api.update"],
  "keys.createKey": ["key.create"],
  "keys.updateKey": ["key.update"],
  "keys.updateCredits": ["key.update"],
  "permissions.createPermission": ["permission.create"],
  "permissions.createRole": ["role.create"],
  "permissions.setRolePermissions": ["permission.create", "authorization.connect_role_and_permission"],
  "keys.addPermissions": ["authorization.connect_permission_and_key"],
  "keys.removePermissions": ["authorization.disconnect_permission_and_key"],
  "keys.setPermissions": ["authorization.connect_permission_and_key"],
  "keys.addRoles": ["authorization.connect_role_and_key"],
  "keys.removeRoles": ["authorization.disconnect_role_and_key"],
  "keys.setRoles": ["authorization.connect_role_and_key"],
  "keys.rerollKey": ["key.reroll"],
  "keys.createMigration": ["migration.create"],
  "keys.migrateKeys": ["key.create"],
  "keys.deleteKey": ["key.delete"],
  "permissions.deleteRole": ["role.delete"],
  "permissions.deletePermission": ["permission.delete"],
  "identities.createIdentity": ["identity.create"],
  "identities.updateIdentity": ["identity.update"],
  "identities.deleteIdentity": ["identity.delete"],
  "ratelimit.limit": ["ratelimitNamespace.create"],
  "ratelimit.setOverride": ["ratelimit.set_override"],
  "ratelimit.deleteOverride": ["ratelimit.delete_override"],
  "ratelimit.deleteNamespace": ["ratelimitNamespace.delete"],
  "portal.createPortal": ["portal.create"],
  "portal.updatePortal": ["portal.update"],
  "portal.createSession": ["portal.session.create"],
  "portal.exchangeCode": ["portal.session.exchange"],
  "portal.deletePortal": ["portal.delete"],
  "projects.createProject": ["project.create"],
  "projects.updateProject": ["project.update"],
  "apps.createApp": ["app.create", "environment.create"],
  "apps.updateApp": ["app.update"],
  "environments.updateSettings": ["environment.update"],
  "environments.setEnvironmentVariables": ["environment.set_variables"],
  "environments.removeEnvironmentVariables": ["environment.remove_variables"],
  "gateway.setPolicies": ["gateway.set_policy"],
  "gateway.updatePolicy": ["gateway.update_policy"],
  "deployments.createDeployment": ["deployment.create"],
  "deployments.stopDeployment": ["deployment.stop"],
  "deployments.startDeployment": ["deployment.wake"],
  "deployments.promoteDeployment": ["deployment.promote"],
  "deployments.rollbackDeployment": ["deployment.rollback"],
  "domains.createDomain": ["domain.create"],
  "domains.deleteDomain": ["domain.delete"],
  "apps.deleteApp": ["app.delete"],
  "projects.deleteProject": ["project.delete"],
  "apis.deleteApi": ["api.delete"],
};

let seen = 0;
async function eventsSince(workspaceId: string) {
  const rows = await env.DB.prepare("SELECT event FROM audit_logs WHERE workspace_id = ? ORDER BY rowid").bind(workspaceId).all<{ event: string }>();
  const fresh = rows.results.slice(seen).map((r) => r.event);
  seen = rows.results.length;
  return [...new Set(fresh)].sort();
}

describe("audit event names", () => {
  it("every mutating endpoint writes the event types of one table", async () => {
    const ws = await newWorkspace("audited");
    const root = ws.rootKey;
    const checked: string[] = [];
    const step = async (op: string, body: unknown, token = root) => {
      const res = await call(op, body, token);
      expect(res.status, `${op}: ${JSON.stringify(res.body.error)}`).toBeLessThan(300);
      expect(await eventsSince(ws.workspaceId), op).toEqual([...EVENTS[op]!].sort());
      checked.push(op);
      return res.body.data;
    };
    expect(await eventsSince(ws.workspaceId)).toEqual([...EVENTS["workspaces.createWorkspace"]!].sort());
    checked.push("workspaces.createWorkspace");
    await step("workspaces.updateWorkspace", { workspaceId: ws.workspaceId, name: "renamed" }, ADMIN_KEY);
    const rk = await step("rootKeys.createRootKey", { name: "extra", permissions: [] });
    await step("rootKeys.deleteRootKey", { keyId: rk.keyId });
    const { apiId } = await step("apis.createApi", { name: "audited" });
    await step("apis.updateApi", { apiId, deleteProtection: false });
    const { keyId } = await step("keys.createKey", { apiId });
    await step("keys.updateKey", { keyId, name: "n" });
    await step("keys.updateCredits", { keyId, operation: "set", value: 5 });
    await step("permissions.createPermission", { name: "read", slug: "docs.read" });
    const { roleId } = await step("permissions.createRole", { name: "reader" });
    await step("permissions.setRolePermissions", { roleId, permissions: ["docs.write"] });
    await step("keys.addPermissions", { keyId, permissions: ["docs.read"] });
    await step("keys.removePermissions", { keyId, permissions: ["docs.read"] });
    await step("keys.setPermissions", { keyId, permissions: ["docs.read"] });
    await step("keys.addRoles", { keyId, roles: ["reader"] });
    await step("keys.removeRoles", { keyId, roles: ["reader"] });
    await step("keys.setRoles", { keyId, roles: ["reader"] });
    const rerolled = await step("keys.rerollKey", { keyId, expiration: 0 });
    const { migrationId } = await step("keys.createMigration", { apiId, hash: "sha256_hex" });
    await step("keys.migrateKeys", { migrationId, apiId, keys: [{ hash: "a".repeat(64) }] });
    await step("keys.deleteKey", { keyId: rerolled.keyId });
    await step("permissions.deleteRole", { role: "reader" });
    await step("permissions.deletePermission", { permission: "docs.read" });
    await step("identities.createIdentity", { externalId: "user_1" });
    await step("identities.updateIdentity", { identity: "user_1", meta: { a: 1 } });
    await step("identities.deleteIdentity", { identity: "user_1" });
    await step("ratelimit.limit", { namespace: "audited", identifier: "u", limit: 5, duration: 1000 });
    await step("ratelimit.setOverride", { namespace: "audited", identifier: "u", limit: 10, duration: 1000 });
    await step("ratelimit.deleteOverride", { namespace: "audited", identifier: "u" });
    await step("ratelimit.deleteNamespace", { namespace: "audited" });
    await step("portal.createPortal", { slug: "audited", apiId });
    await step("portal.updatePortal", { portal: "audited", name: "Audited" });
    const session = await step("portal.createSession", { portal: "audited", externalId: "user_2", scopes: ["keys:read"] });
    await step("portal.exchangeCode", { code: new URL(session.url).searchParams.get("code") }, null as never);
    await step("portal.deletePortal", { portal: "audited" });
    await step("projects.createProject", { name: "p", slug: "proj" });
    await step("projects.updateProject", { project: "proj", name: "p2" });
    await step("apps.createApp", { project: "proj", name: "web", slug: "web" });
    await step("apps.updateApp", { project: "proj", app: "web", name: "web2" });
    const where = { project: "proj", app: "web", environment: "production" };
    await step("environments.updateSettings", { ...where, port: 8081 });
    await step("environments.setEnvironmentVariables", { ...where, variables: [{ key: "A", value: "1" }] });
    await step("environments.removeEnvironmentVariables", { ...where, variables: ["A"] });
    await step("gateway.setPolicies", { ...where, policies: [{ name: "deny", enabled: true, firewall: { action: "ACTION_DENY" } }] });
    const policyId = (await call("gateway.listPolicies", where, root)).body.data[0].id;
    await step("gateway.updatePolicy", { ...where, policyId, name: "deny2" });
    const first = await step("deployments.createDeployment", { ...where, upstream: { url: "https://one.example/" } });
    const second = await step("deployments.createDeployment", { ...where, upstream: { url: "https://two.example/" } });
    await step("deployments.rollbackDeployment", { deploymentId: first.deploymentId });
    await step("deployments.promoteDeployment", { deploymentId: second.deploymentId });
    const preview = await step("deployments.createDeployment", { ...where, environment: "preview", upstream: { url: "https://three.example/" } });
    await step("deployments.stopDeployment", { deploymentId: preview.deploymentId });
    await step("deployments.startDeployment", { deploymentId: preview.deploymentId });
    await step("domains.createDomain", { ...where, domain: "audited.example.com" });
    await step("domains.deleteDomain", { domain: "audited.example.com" });
    await step("apps.deleteApp", { project: "proj", app: "web" });
    await step("projects.deleteProject", { project: "proj" });
    await step("apis.deleteApi", { apiId });
    // the table has no entry this walk skipped
    expect(Object.keys(EVENTS).filter((op) => !checked.includes(op))).toEqual([]);
  });
});
