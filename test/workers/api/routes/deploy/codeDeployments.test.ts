import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, newWorkspace } from "../../../../helpers/harness";
import { deploymentEnv } from "../../../../../workers/lib/deploy/appEnv";
import { appCode, runtimeLimits } from "../../../../../workers/lib/deploy/runtime";
import type { Env } from "../../../../../workers/lib/env";

/**
 * Code deployments through the API (docs/deploy.md): upload, the lifecycle in the API's own
 * Worker Loader, and every bad input and fault of the upload and build steps.
 */

const HELLO = `export default { async fetch(request, env) { return new Response("hello " + (env.GREETING ?? "")); } }`;

function bundle(main: string, extra: { name: string; type: string; content: string }[] = [], mainName = "index.js") {
  return { mainModule: mainName, modules: [{ name: mainName, type: "esm", content: main }, ...extra], compatibilityDate: "2026-11-01" };
}

async function setup() {
  const { rootKey, workspaceId } = await newWorkspace();
  await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
  await call("apps.createApp", { project: "proj", name: "d", slug: "default" }, rootKey);
  return { rootKey, workspaceId };
}

const base = { project: "proj", app: "default", branch: "main", environmentSlug: "production" };

async function deploy(rootKey: string, body: Record<string, unknown>) {
  return call("deploy.createDeployment", { ...base, ...body }, rootKey);
}

/** Polls deploy.getDeployment until the lifecycle has finished. */
async function settled(rootKey: string, id: string) {
  for (let i = 0; i < 100; i++) {
    const got = await call("deploy.getDeployment", { deploymentId: id }, rootKey);
    if (!["PENDING", "BUILDING", "DEPLOYING"].includes(got.body.data.status)) return got.body.data;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("deployment did not settle");
}

async function currentOf(rootKey: string, environment = "production") {
  const got = await call("environments.getEnvironment", { project: "proj", app: "default", environment }, rootKey);
  const row = await env.DB.prepare("SELECT current_deployment_id AS id FROM environments WHERE id = ?1").bind(got.body.data.id).first<{ id: string | null }>();
  return row?.id ?? null;
}

describe("code deployments: upload and lifecycle", () => {
  it("answers 201 at once with a pending deployment, then goes building → deploying → ready and production points at it", async () => {
    const { rootKey } = await setup();
    const created = await deploy(rootKey, { bundle: bundle(HELLO) });
    expect(created.status).toBe(201);
    const id = created.body.data.deploymentId;
    const first = await call("deploy.getDeployment", { deploymentId: id }, rootKey);
    expect(["PENDING", "BUILDING", "DEPLOYING", "READY"]).toContain(first.body.data.status);
    const done = await settled(rootKey, id);
    expect(done.status).toBe("READY");
    expect(done.steps.map((s: { status: string }) => s.status)).toEqual(["PENDING", "BUILDING", "DEPLOYING", "READY"]);
    expect(await currentOf(rootKey)).toBe(id);
    const full = await call("deployments.getDeployment", { deploymentId: id }, rootKey);
    expect(full.body.data.bundleSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(full.body.data.upstream).toBeUndefined();
  });

  it("stores a bundle once by its SHA-256: a re-deploy by bundleSha256 uploads nothing; an unknown or another workspace's hash is bundle_not_found", async () => {
    const { rootKey, workspaceId } = await setup();
    const a = await deploy(rootKey, { bundle: bundle(HELLO) });
    const sha = (await call("deployments.getDeployment", { deploymentId: a.body.data.deploymentId }, rootKey)).body.data.bundleSha256;
    const again = await deploy(rootKey, { bundle: bundle(HELLO) });
    expect(again.status).toBe(201);
    const bySha = await deploy(rootKey, { bundleSha256: sha });
    expect(bySha.status).toBe(201);
    expect((await settled(rootKey, bySha.body.data.deploymentId)).status).toBe("READY");
    const n = await env.DB.prepare("SELECT count(*) AS n FROM deploy_bundles WHERE workspace_id = ?1").bind(workspaceId).first<{ n: number }>();
    expect(n?.n).toBe(1);
    const missing = await deploy(rootKey, { bundleSha256: "0".repeat(64) });
    expect(missing.status).toBe(404);
    expect(missing.body.error?.type).toContain("bundle_not_found");
    // the same hash from another workspace: not theirs to deploy (no cross-tenant existence oracle)
    const other = await setup();
    const foreign = await deploy(other.rootKey, { bundleSha256: sha });
    expect(foreign.status).toBe(404);
    // deployments.createDeployment takes the same sources
    const viaDeployments = await call("deployments.createDeployment", { project: "proj", app: "default", environment: "preview", bundleSha256: sha }, rootKey);
    expect(viaDeployments.status).toBe(201);
    expect((await settled(rootKey, viaDeployments.body.data.deploymentId)).status).toBe("READY");
  });

  it("refuses malformed bundle objects with 400 and writes nothing", async () => {
    const { rootKey, workspaceId } = await setup();
    const cases: unknown[] = [
      { ...bundle(HELLO), mainModule: "missing.js" },
      { ...bundle(HELLO), compatibilityDate: "yesterday" },
      bundle(HELLO, [{ name: "index.js", type: "esm", content: "" }]),
      bundle(HELLO, [{ name: "w.wasm", type: "wasm", content: "not base64!" }]),
      bundle(HELLO, [{ name: "c.json", type: "json", content: "{nope" }]),
      bundle(HELLO, [{ name: "x.py", type: "python", content: "" }]),
      bundle(HELLO, [{ name: "../escape.js", type: "esm", content: "" }]),
      bundle(HELLO, [{ name: "__unkey_check.js", type: "esm", content: "" }]),
      { mainModule: "a.txt", modules: [{ name: "a.txt", type: "text", content: "x" }], compatibilityDate: "2026-11-01" },
      { ...bundle(HELLO), modules: [] },
      { ...bundle(HELLO), extra: true },
    ];
    for (const b of cases) {
      const res = await deploy(rootKey, { bundle: b });
      expect(res.status, JSON.stringify(b).slice(0, 120)).toBe(400);
    }
    expect((await deploy(rootKey, { bundle: bundle(HELLO), bundleSha256: "0".repeat(64) })).status).toBe(400);
    expect((await deploy(rootKey, { bundleSha256: "ABC" })).status).toBe(400);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM deployments WHERE workspace_id = ?1").bind(workspaceId).first<{ n: number }>();
    expect(n?.n).toBe(0);
  });

  it("refuses a bundle over 10 MiB gzip-compressed and a body over 25 MiB with 413 request_body_too_large", async () => {
    const { rootKey, workspaceId } = await setup();
    // 11 MiB of random bytes barely compress
    const random = new Uint8Array(11 * 1024 * 1024);
    for (let i = 0; i < random.length; i += 65536) crypto.getRandomValues(random.subarray(i, i + 65536));
    let bin = "";
    for (let i = 0; i < random.length; i += 8192) bin += String.fromCharCode(...random.subarray(i, i + 8192));
    const big = await deploy(rootKey, { bundle: bundle(HELLO, [{ name: "blob.bin", type: "data", content: btoa(bin) }]) });
    expect(big.status).toBe(413);
    expect(big.body.error?.type).toContain("request_body_too_large");
    const huge = await deploy(rootKey, { bundle: bundle(HELLO, [{ name: "t.txt", type: "text", content: "a".repeat(26 * 1024 * 1024) }]) });
    expect(huge.status).toBe(413);
    expect(huge.body.error?.type).toContain("request_body_too_large");
    const n = await env.DB.prepare("SELECT count(*) AS n FROM deploy_bundles WHERE workspace_id = ?1").bind(workspaceId).first<{ n: number }>();
    expect(n?.n).toBe(0);
  });

  const faults: [string, ReturnType<typeof bundle>, string, RegExp][] = [
    ["a syntax error", bundle("export default { fetch( }"), "building", /SyntaxError/],
    [
      "an import of a module not in the bundle",
      bundle(`import x from "./nope.js"; export default { fetch() { return new Response(x); } }`),
      "building",
      /No such module "nope\.js"/,
    ],
    ["no fetch export", bundle(`export default { scheduled() {} }`), "building", /no default export with a fetch handler/],
    [
      "a health probe that throws",
      bundle(`export default { fetch() { throw new Error("probe boom"); } }`),
      "deploying",
      /health probe GET \/ threw: .*probe boom/,
    ],
  ];
  for (const [what, b, step, message] of faults) {
    it(`fails with ${what}, saying which, and production keeps serving the previous deployment`, async () => {
      const { rootKey } = await setup();
      const good = await deploy(rootKey, { bundle: bundle(HELLO) });
      expect((await settled(rootKey, good.body.data.deploymentId)).status).toBe("READY");
      const bad = await deploy(rootKey, { bundle: b });
      expect(bad.status).toBe(201);
      const done = await settled(rootKey, bad.body.data.deploymentId);
      expect(done.status).toBe("FAILED");
      expect(done.errorMessage).toMatch(message);
      const full = await call("deployments.getDeployment", { deploymentId: bad.body.data.deploymentId }, rootKey);
      expect(full.body.data.error).toMatchObject({ step });
      expect(await currentOf(rootKey)).toBe(good.body.data.deploymentId);
      // a failed deployment cannot be promoted or rolled back to
      expect((await call("deployments.rollbackDeployment", { deploymentId: bad.body.data.deploymentId }, rootKey)).status).toBe(412);
    });
  }

  it("probes the healthcheck path of the runtime settings instead of GET /", async () => {
    const { rootKey } = await setup();
    await call(
      "environments.updateSettings",
      { project: "proj", app: "default", environment: "production", healthcheck: { method: "GET", path: "/healthz" } },
      rootKey,
    );
    const b = bundle(
      `export default { fetch(r) { if (new URL(r.url).pathname === "/healthz") return new Response("ok"); throw new Error("not healthy at " + new URL(r.url).pathname); } }`,
    );
    const created = await deploy(rootKey, { bundle: b });
    expect((await settled(rootKey, created.body.data.deploymentId)).status).toBe("READY");
  });

  it("does not start a deployment whose variable fails to decrypt", async () => {
    const { rootKey } = await setup();
    const set = await call(
      "environments.setEnvironmentVariables",
      { project: "proj", app: "default", environment: "production", variables: [{ key: "SECRET", value: "s3cret" }] },
      rootKey,
    );
    expect(set.status).toBe(200);
    // damage the stored ciphertext (a lost or rotated-away encryption key looks the same)
    await env.DB.prepare(
      "UPDATE environment_variables SET encrypted = substr(encrypted, 1, instr(encrypted, ':')) || 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE key = 'SECRET'",
    ).run();
    const created = await deploy(rootKey, { bundle: bundle(HELLO) });
    const done = await settled(rootKey, created.body.data.deploymentId);
    expect(done.status).toBe("FAILED");
    expect(done.errorMessage).toMatch(/SECRET could not be decrypted/);
    expect(await currentOf(rootKey)).toBeNull();
  });

  it("gives the app exactly its variables and Unkey's system variables (a user variable of a system name is refused)", async () => {
    const { rootKey } = await setup();
    const reserved = await call(
      "environments.setEnvironmentVariables",
      { project: "proj", app: "default", environment: "production", variables: [{ key: "UNKEY_DEPLOYMENT_ID", value: "spoofed" }] },
      rootKey,
    );
    expect(reserved.status).toBe(400);
    await call(
      "environments.setEnvironmentVariables",
      { project: "proj", app: "default", environment: "production", variables: [{ key: "GREETING", value: "world" }] },
      rootKey,
    );
    const created = await call(
      "deploy.createDeployment",
      { ...base, bundle: bundle(HELLO), gitCommit: { commitSha: "abc123", commitMessage: "ship" } },
      rootKey,
    );
    const id = created.body.data.deploymentId;
    expect((await settled(rootKey, id)).status).toBe("READY");
    const got = await deploymentEnv(env as unknown as Env, id);
    expect(got).toEqual({
      ok: true,
      env: {
        GREETING: "world",
        UNKEY_DEPLOYMENT_ID: id,
        UNKEY_ENVIRONMENT_SLUG: "production",
        UNKEY_GIT_COMMIT_SHA: "abc123",
        UNKEY_GIT_BRANCH: "main",
        UNKEY_GIT_COMMIT_MESSAGE: "ship",
      },
    });
  });

  it("over the service binding, a ready deployment whose variable no longer decrypts gets no env (the Sentinel answers 503 and never serves without it)", async () => {
    const { rootKey } = await setup();
    await call(
      "environments.setEnvironmentVariables",
      { project: "proj", app: "default", environment: "production", variables: [{ key: "SECRET", value: "s3cret" }] },
      rootKey,
    );
    const created = await deploy(rootKey, { bundle: bundle(HELLO) });
    const id = created.body.data.deploymentId;
    expect((await settled(rootKey, id)).status).toBe("READY");
    const ask = async () =>
      (await (env as any).RPC_CLIENT.fetch("http://rpc/deploymentEnv", { method: "POST", body: JSON.stringify({ deploymentId: id }) })).json();
    expect(await ask()).toMatchObject({ ok: true, env: { SECRET: "s3cret" } });
    // the snapshot's ciphertext is damaged (or its data key lost) after the deployment went ready
    await env.DB.prepare(
      "UPDATE deployments SET variables = json_set(variables, '$[0].encrypted', substr(json_extract(variables, '$[0].encrypted'), 1, instr(json_extract(variables, '$[0].encrypted'), ':')) || 'AAAAAAAAAAAAAAAAAAAAAAAAAAAA') WHERE id = ?1",
    )
      .bind(id)
      .run();
    const res = await ask();
    expect(res.ok).toBe(false);
    expect(res.error).toMatch(/SECRET could not be decrypted/);
  });

  it("passes cpuMsPerRequest and subrequestsPerRequest to the loader's limits (workerd enforces no CPU limit locally)", async () => {
    const { rootKey } = await setup();
    const res = await call(
      "environments.updateSettings",
      { project: "proj", app: "default", environment: "production", cpuMsPerRequest: 25, subrequestsPerRequest: 3, outboundNetwork: "none" },
      rootKey,
    );
    expect(res.status).toBe(200);
    const envRes = await call("environments.getEnvironment", { project: "proj", app: "default", environment: "production" }, rootKey);
    expect(envRes.body.data.runtime).toMatchObject({ cpuMsPerRequest: 25, subrequestsPerRequest: 3, outboundNetwork: "none" });
    const created = await deploy(rootKey, { bundle: bundle(HELLO) });
    const row = await env.DB.prepare("SELECT runtime FROM deployments WHERE id = ?1").bind(created.body.data.deploymentId).first<{ runtime: string }>();
    const rt = JSON.parse(row!.runtime);
    const code = appCode(
      { mainModule: "index.js", modules: [{ name: "index.js", type: "esm", content: HELLO }], compatibilityDate: "2026-11-01", compatibilityFlags: [] },
      { env: {}, limits: runtimeLimits(rt), globalOutbound: null },
    );
    expect(code.limits).toEqual({ cpuMs: 25, subRequests: 3 });
    expect(code.globalOutbound).toBeNull();
    expect(runtimeLimits({})).toEqual({ cpuMs: 50, subRequests: 50 });
    expect(
      (await call("environments.updateSettings", { project: "proj", app: "default", environment: "production", outboundNetwork: "intranet" }, rootKey)).status,
    ).toBe(400);
    expect(
      (await call("environments.updateSettings", { project: "proj", app: "default", environment: "production", cpuMsPerRequest: 0 }, rootKey)).status,
    ).toBe(400);
  });
});
