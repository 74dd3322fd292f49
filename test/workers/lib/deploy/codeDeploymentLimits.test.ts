import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, newWorkspace } from "../../../helpers/harness";
import { db } from "../../../../workers/lib/db";
import { deleteUnreferencedBundles, storeBundle } from "../../../../workers/lib/deploy/bundle";
import type { RuntimeLogRow } from "../../../../workers/lib/analytics/messages";
import { shipRuntimeLogs } from "../../../../workers/lib/deploy/runtimeLogs";
import { checkOutboundDestination } from "../../../../workers/lib/deploy/outbound";
import type { Env } from "../../../../workers/lib/env";

/** Workspace caps of code deployments (docs/deploy.md "Limits"), runtime log rows, the outbound check. */
const e = env as unknown as Env;
const bundleOf = (text: string) => ({
  mainModule: "index.js",
  modules: [{ name: "index.js", type: "esm" as const, content: `export default { fetch() { return new Response(${JSON.stringify(text)}); } }` }],
  compatibilityDate: "2026-11-01",
});

async function readyDeployment() {
  const { rootKey, workspaceId } = await newWorkspace();
  await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
  await call("apps.createApp", { project: "proj", name: "d", slug: "default" }, rootKey);
  const created = await call(
    "deploy.createDeployment",
    { project: "proj", app: "default", branch: "main", environmentSlug: "production", bundle: bundleOf("x") },
    rootKey,
  );
  const id = created.body.data.deploymentId as string;
  const row = await env.DB.prepare("SELECT workspace_id, project_id, app_id, environment_id FROM deployments WHERE id = ?1")
    .bind(id)
    .first<Record<string, string>>();
  return { rootKey, workspaceId, id, row: row! };
}

describe("bundle caps and cleanup", () => {
  it("refuses a bundle past the workspace's bundle count or stored bytes with 403 bundle_limit_exceeded; an already stored one still deploys", async () => {
    const { workspaceId } = await newWorkspace();
    const d = db(env.DB);
    await storeBundle({ ...e, DEPLOY_MAX_BUNDLES: "1" }, d, workspaceId, bundleOf("a"), "/body/bundle");
    await expect(storeBundle({ ...e, DEPLOY_MAX_BUNDLES: "1" }, d, workspaceId, bundleOf("a"), "/body/bundle")).resolves.toBeTruthy();
    await expect(storeBundle({ ...e, DEPLOY_MAX_BUNDLES: "1" }, d, workspaceId, bundleOf("b"), "/body/bundle")).rejects.toMatchObject({
      code: "unkey/limits/bundle_limit_exceeded",
    });
    await expect(storeBundle({ ...e, DEPLOY_MAX_BUNDLE_STORAGE_BYTES: "10" }, d, workspaceId, bundleOf("c"), "/body/bundle")).rejects.toMatchObject({
      code: "unkey/limits/bundle_limit_exceeded",
    });
  });

  it("the scheduled job deletes bundles no deployment references (R2 object and row) and keeps referenced ones", async () => {
    const { workspaceId, id } = await readyDeployment();
    const orphan = await storeBundle(e, db(env.DB), workspaceId, bundleOf("orphan"), "/body/bundle");
    const used = (await env.DB.prepare("SELECT json_extract(upstream, '$.bundle') AS sha FROM deployments WHERE id = ?1").bind(id).first<{ sha: string }>())!
      .sha;
    await deleteUnreferencedBundles(e, Date.now() + 2 * 60 * 60 * 1000);
    expect(await env.BUNDLES!.head(`bundles/${workspaceId}/${orphan.sha256}`)).toBeNull();
    expect(await env.BUNDLES!.head(`bundles/${workspaceId}/${used}`)).not.toBeNull();
    const rows = await env.DB.prepare("SELECT sha256 FROM deploy_bundles WHERE workspace_id = ?1").bind(workspaceId).all<{ sha256: string }>();
    expect(rows.results.map((r) => r.sha256)).toEqual([used]);
  });
});

describe("runtime log rows", () => {
  const rowFor = (o: Record<string, string>, message: string): RuntimeLogRow => ({
    log_id: crypto.randomUUID(),
    time: Date.now(),
    inserted_at: Date.now(),
    workspace_id: o.workspace_id!,
    severity: "info",
    message,
    project_id: o.project_id!,
    app_id: o.app_id!,
    environment_id: o.environment_id!,
    deployment_id: "",
    region: "local",
    attributes_text: "{}",
  });

  it("stores lines of the deployment's own workspace, truncates long lines, drops a row claiming another workspace's deployment", async () => {
    const mine = await readyDeployment();
    const other = await readyDeployment();
    const long = "x".repeat(40_000);
    await shipRuntimeLogs({ ...e, ANALYTICS_QUEUE: undefined }, [
      { ...rowFor(mine.row, "ok line"), deployment_id: mine.id },
      { ...rowFor(mine.row, long), deployment_id: mine.id },
      // a forged row: the other workspace's deployment under my workspace id
      { ...rowFor(mine.row, "forged"), deployment_id: other.id },
    ]);
    const rows = await env.ANALYTICS_DB.prepare("SELECT deployment_id, length(message) AS n, message FROM runtime_logs_v1 WHERE workspace_id = ?1 ORDER BY n")
      .bind(mine.workspaceId)
      .all<{ deployment_id: string; n: number; message: string }>();
    expect(rows.results.map((r) => r.deployment_id)).toEqual([mine.id, mine.id]);
    expect(rows.results[1]!.n).toBeLessThan(17_000);
    expect(rows.results[1]!.message.endsWith("…[truncated]")).toBe(true);
    expect(rows.results.some((r) => r.message === "forged")).toBe(false);
  });

  it("caps lines per minute per workspace", async () => {
    const mine = await readyDeployment();
    const rows = Array.from({ length: 5 }, (_, i) => ({ ...rowFor(mine.row, `line ${i}`), deployment_id: mine.id }));
    await shipRuntimeLogs({ ...e, ANALYTICS_QUEUE: undefined, RUNTIME_LOG_LINES_PER_MINUTE: "3" }, rows);
    const n = await env.ANALYTICS_DB.prepare("SELECT count(*) AS n FROM runtime_logs_v1 WHERE workspace_id = ?1").bind(mine.workspaceId).first<{ n: number }>();
    expect(n?.n).toBe(3);
  });
});

describe("outbound destination check of code deployments", () => {
  it("refuses loopback, private and platform hosts; ALLOW_LOCAL_DESTINATIONS=1 allows loopback only", () => {
    for (const u of [
      "http://127.0.0.1/",
      "http://localhost:8787/",
      "http://[::1]/",
      "http://10.0.0.1/",
      "http://192.168.1.1/",
      "http://169.254.169.254/latest",
      "http://a.localhost/",
      "ftp://example.com/",
    ]) {
      expect(checkOutboundDestination(new URL(u), {}), u).not.toBeNull();
    }
    expect(checkOutboundDestination(new URL("https://x.gw.example"), { SENTINEL_BASE_DOMAIN: "gw.example" })).not.toBeNull();
    expect(checkOutboundDestination(new URL("https://example.com/"), {})).toBeNull();
    expect(checkOutboundDestination(new URL("http://127.0.0.1:9/"), { ALLOW_LOCAL_DESTINATIONS: "1" })).toBeNull();
    expect(checkOutboundDestination(new URL("http://10.0.0.1/"), { ALLOW_LOCAL_DESTINATIONS: "1" })).not.toBeNull();
  });
});
