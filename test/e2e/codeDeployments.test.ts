import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { request as httpRequest } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { startSentinelStack, type SentinelStack } from "./helpers/sentinel";
import { runCli, tempHome } from "./cli/run";

/**
 * Code deployments end to end (docs/deploy.md): the API Worker builds and probes a bundle in its
 * Worker Loader, the Sentinel runs it in its own, with the deployment's variables (decrypted by
 * the API), the Principal, runtime logs from the loader tail, and the environment pointer moves
 * with promote / rollback / stop / start on the next request.
 */
let stack: SentinelStack;

beforeAll(async () => {
  stack = await startSentinelStack({ sentinelVars: { ALLOW_LOCAL_DESTINATIONS: "" } });
});

afterAll(async () => {
  await stack?.stop();
});

async function api(op: string, body: unknown, token: string) {
  const res = await fetch(`${stack.api}/v2/${op}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

function through(host: string, p: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const { port } = new URL(stack.sentinel);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: p, headers: { accept: "application/json", ...headers, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), headers: res.headers }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const HELLO = readFileSync(path.join(import.meta.dirname, "../../examples/hello-worker/src/index.js"), "utf8");
const bundleOf = (code: string) => ({ mainModule: "index.js", modules: [{ name: "index.js", type: "esm", content: code }], compatibilityDate: "2026-11-01" });

async function settled(rootKey: string, id: string) {
  for (let i = 0; i < 150; i++) {
    const got = await api("deploy.getDeployment", { deploymentId: id }, rootKey);
    if (!["PENDING", "BUILDING", "DEPLOYING"].includes(got.body.data.status)) return got.body.data;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("deployment did not settle");
}

async function workspace(name: string) {
  const res = await fetch(`${stack.api}/v2/workspaces.createWorkspace`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const { rootKey } = ((await res.json()) as any).data;
  expect((await api("projects.createProject", { name, slug: name }, rootKey)).status).toBe(200);
  expect((await api("apps.createApp", { project: name, name: "web", slug: "web" }, rootKey)).status).toBe(200);
  return rootKey as string;
}

async function deployCode(rootKey: string, project: string, environment: string, code: string) {
  const created = await api("deployments.createDeployment", { project, app: "web", environment, bundle: bundleOf(code) }, rootKey);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.data.deploymentId as string;
  return { id, final: await settled(rootKey, id) };
}

async function hostOf(rootKey: string, project: string, environment: string) {
  const env = await api("environments.getEnvironment", { project, app: "web", environment }, rootKey);
  return (env.body.data.hostnames as string[])[0]!;
}

async function runtimeLogs(rootKey: string, where: string, atLeast = 1) {
  for (let i = 0; i < 60; i++) {
    const res = await api(
      "analytics.getRuntimeLogs",
      { query: `SELECT severity, message, attributes_text, deployment_id FROM runtime_logs_v1 WHERE ${where} ORDER BY time` },
      rootKey,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    if (res.body.data.length >= atLeast) return res.body.data as { severity: string; message: string; attributes_text: string; deployment_id: string }[];
    await new Promise((r) => setTimeout(r, 250));
  }
  return [];
}

describe("code deployments through the Sentinel", () => {
  it("serves the example app with its variable and the Principal, and its log line reaches analytics.getRuntimeLogs", async () => {
    const rootKey = await workspace("hello");
    const apiId = (await api("apis.createApi", { name: "gateway" }, rootKey)).body.data.apiId;
    expect(
      (
        await api(
          "gateway.setPolicies",
          { project: "hello", app: "web", environment: "production", policies: [{ name: "keys", enabled: true, keyauth: { keyspaces: [apiId] } }] },
          rootKey,
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await api(
          "environments.setEnvironmentVariables",
          { project: "hello", app: "web", environment: "production", variables: [{ key: "GREETING", value: "hi from a variable" }] },
          rootKey,
        )
      ).status,
    ).toBe(200);
    const { id, final } = await deployCode(rootKey, "hello", "production", HELLO);
    expect(final.status, JSON.stringify(final)).toBe("READY");
    const key = (await api("keys.createKey", { apiId, externalId: "user_42" }, rootKey)).body.data.key;
    const host = await hostOf(rootKey, "hello", "production");
    expect((await through(host, "/")).status).toBe(401);
    const res = await through(host, "/hello", { authorization: `Bearer ${key}` });
    expect(res.status, res.text).toBe(200);
    const body = JSON.parse(res.text);
    expect(body.greeting).toBe("hi from a variable");
    expect(body.deploymentId).toBe(id);
    expect(body.principal.subject).toBe("user_42");
    const logs = await runtimeLogs(rootKey, `deployment_id = '${id}' AND message LIKE '%/hello%'`);
    expect(logs[0]?.severity).toBe("info");
    expect(JSON.parse(logs[0]!.attributes_text)).toMatchObject({ msg: "hello-worker served a request", path: "/hello", subject: "user_42" });
  });

  it("reaches no binding of ours: the app's env holds only its variables and the system variables, all strings", async () => {
    const rootKey = await workspace("envkeys");
    await api(
      "environments.setEnvironmentVariables",
      { project: "envkeys", app: "web", environment: "production", variables: [{ key: "ONE", value: "1" }] },
      rootKey,
    );
    const code = `export default { fetch(r, env) { return Response.json(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v]))); } }`;
    const { final } = await deployCode(rootKey, "envkeys", "production", code);
    expect(final.status).toBe("READY");
    const res = await through(await hostOf(rootKey, "envkeys", "production"), "/");
    const seen = JSON.parse(res.text) as Record<string, string>;
    expect(Object.keys(seen).sort()).toEqual(
      ["ONE", "UNKEY_DEPLOYMENT_ID", "UNKEY_ENVIRONMENT_SLUG", "UNKEY_GIT_BRANCH", "UNKEY_INSTANCE_ID", "UNKEY_REGION"]
        .filter((k) => k !== "UNKEY_GIT_BRANCH" || "UNKEY_GIT_BRANCH" in seen)
        .sort(),
    );
    expect(new Set(Object.values(seen))).toEqual(new Set(["string"]));
  });

  it("answers 500 in the gateway envelope when the app throws, logs the exception, and serves the next request", async () => {
    const rootKey = await workspace("throws");
    const { id, final } = await deployCode(rootKey, "throws", "production", HELLO);
    expect(final.status).toBe("READY");
    const host = await hostOf(rootKey, "throws", "production");
    const bad = await through(host, "/throw");
    expect(bad.status).toBe(500);
    expect(JSON.parse(bad.text).error.type).toContain("application_error");
    expect((await through(host, "/after")).status).toBe(200);
    const logs = await runtimeLogs(rootKey, `deployment_id = '${id}' AND severity = 'error'`);
    expect(logs.some((l) => l.message.includes("hello-worker was asked to throw"))).toBe(true);
  });

  it("switches on the next request: a second version, rollback, promote; a failed deployment never serves", async () => {
    const rootKey = await workspace("versions");
    const v = (n: number) => `export default { fetch() { return new Response("v${n}"); } }`;
    const one = await deployCode(rootKey, "versions", "production", v(1));
    const host = await hostOf(rootKey, "versions", "production");
    expect((await through(host, "/")).text).toBe("v1");
    // a client requesting all along: no request fails while versions switch
    const seen: { status: number; text: string }[] = [];
    let running = true;
    const loop = (async () => {
      while (running) seen.push(await through(host, "/"));
    })();
    const two = await deployCode(rootKey, "versions", "production", v(2));
    expect(two.final.status).toBe("READY");
    expect((await through(host, "/")).text).toBe("v2");
    const broken = await deployCode(rootKey, "versions", "production", "export default { fetch( }");
    expect(broken.final.status).toBe("FAILED");
    expect((await through(host, "/")).text).toBe("v2");
    expect((await api("deployments.rollbackDeployment", { deploymentId: one.id }, rootKey)).status).toBeLessThan(300);
    expect((await through(host, "/")).text).toBe("v1");
    expect((await api("deployments.promoteDeployment", { deploymentId: two.id }, rootKey)).status).toBeLessThan(300);
    expect((await through(host, "/")).text).toBe("v2");
    running = false;
    await loop;
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.filter((r) => r.status !== 200 || !/^v[12]$/.test(r.text))).toEqual([]);
  });

  it("deployments.getMetrics: requests, status classes, latency percentiles and CPU time per interval (cpu_time 0 locally for code, null for other upstreams)", async () => {
    const rootKey = await workspace("metrics");
    const started = Date.now() - 1000;
    const { id } = await deployCode(rootKey, "metrics", "production", HELLO);
    const host = await hostOf(rootKey, "metrics", "production");
    for (const p of ["/a", "/b", "/c"]) await through(host, p);
    let rows: any[] = [];
    for (let i = 0; i < 60 && rows.length < 3; i++) {
      rows =
        (
          await api(
            "analytics.getGatewayRequests",
            { query: `SELECT path, response_status, cpu_time FROM gateway_requests_v1 WHERE deployment_id = '${id}'` },
            rootKey,
          )
        ).body.data ?? [];
      if (rows.length < 3) await new Promise((r) => setTimeout(r, 250));
    }
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.cpu_time === 0)).toBe(true);
    const m = await api("deployments.getMetrics", { deploymentId: id, startTime: started, endTime: Date.now() + 1000 }, rootKey);
    expect(m.status, JSON.stringify(m.body)).toBe(200);
    const total = m.body.data.intervals.reduce(
      (a: any, i: any) => ({ requests: a.requests + i.requests, ok: a.ok + i.statusClasses["2xx"], err: a.err + i.statusClasses["5xx"] }),
      { requests: 0, ok: 0, err: 0 },
    );
    expect(total).toEqual({ requests: 3, ok: 3, err: 0 });
    const busy = m.body.data.intervals.find((i: any) => i.requests > 0);
    expect(busy.latencyMs.p99).toBeGreaterThanOrEqual(busy.latencyMs.p50);
    expect(busy.cpuTimeMs.total).toBe(0);
    expect(m.body.data.sql.latencyPercentile).toContain("gateway_requests_v1");
    expect((await api("deployments.getMetrics", { deploymentId: id, startTime: 10, endTime: 5 }, rootKey)).status).toBe(400);
  });

  it("stops and starts a preview deployment, visible on the next request", async () => {
    const rootKey = await workspace("preview");
    const dep = await deployCode(rootKey, "preview", "preview", `export default { fetch() { return new Response("preview up"); } }`);
    const host = await hostOf(rootKey, "preview", "preview");
    expect((await through(host, "/")).text).toBe("preview up");
    expect((await api("deployments.stopDeployment", { deploymentId: dep.id }, rootKey)).status).toBeLessThan(300);
    expect((await through(host, "/")).status).toBe(503);
    expect((await api("deployments.startDeployment", { deploymentId: dep.id }, rootKey)).status).toBeLessThan(300);
    expect((await through(host, "/")).text).toBe("preview up");
  });

  it("refuses an app's outbound fetch to a loopback address (destination policy); outboundNetwork none gives it no network", async () => {
    const rootKey = await workspace("outbound");
    const code = `export default { async fetch() { try { const r = await fetch("${stack.api}/v2/liveness"); return new Response("status " + r.status + " " + (r.headers.get("x-unkey-outbound") ?? "")); } catch (e) { return new Response("threw " + e.message); } } }`;
    await deployCode(rootKey, "outbound", "production", code);
    const host = await hostOf(rootKey, "outbound", "production");
    expect((await through(host, "/")).text).toBe("status 403 refused");
    expect(
      (await api("environments.updateSettings", { project: "outbound", app: "web", environment: "production", outboundNetwork: "none" }, rootKey)).status,
    ).toBe(200);
    await deployCode(rootKey, "outbound", "production", code);
    expect((await through(host, "/")).text).toMatch(/^threw /);
  });
});

describe("unkey deploy", () => {
  it("bundles examples/hello-worker with wrangler, creates the missing project and app, maps [vars], waits for Ready and prints the hostnames", async () => {
    const res = await fetch(`${stack.api}/v2/workspaces.createWorkspace`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "cli" }),
    });
    const { rootKey } = ((await res.json()) as any).data;
    const home = tempHome();
    const envFile = path.join(mkdtempSync(path.join(tmpdir(), "unkey-envfile-")), ".env");
    writeFileSync(envFile, "# local overrides\nEXTRA=from-env-file\n");
    const run = await runCli(["deploy", "examples/hello-worker", "--project", "demo", "--env", "production", "--env-file", envFile], {
      home,
      env: { UNKEY_ROOT_KEY: rootKey, UNKEY_API_BASE_URL: stack.api },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("Created project demo");
    expect(run.stdout).toContain("Created app default");
    expect(run.stdout).toContain("Set 2 variable(s): GREETING, EXTRA");
    expect(run.stdout).toContain("Status: Ready");
    const host = /http:\/\/(\S+)/.exec(run.stdout)![1]!;
    const served = await through(host, "/");
    expect(served.status, served.text).toBe(200);
    expect(JSON.parse(served.text).greeting).toBe("hello from the edge");
    // the same code again: nothing to upload
    const again = await runCli(["deploy", "examples/hello-worker", "--project", "demo", "--env", "production"], {
      home,
      env: { UNKEY_ROOT_KEY: rootKey, UNKEY_API_BASE_URL: stack.api },
    });
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain("already uploaded");
  });

  it("refuses bindings it cannot provide, naming them, shows upload progress of a large bundle, and exits 1 with the error of a failed deployment", async () => {
    const res = await fetch(`${stack.api}/v2/workspaces.createWorkspace`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "cli2" }),
    });
    const { rootKey } = ((await res.json()) as any).data;
    const home = tempHome();
    const dir = mkdtempSync(path.join(tmpdir(), "unkey-deploy-src-"));
    writeFileSync(path.join(dir, "index.js"), "export default { fetch() { return new Response('x'); } }");
    writeFileSync(
      path.join(dir, "wrangler.toml"),
      'name = "x"\nmain = "index.js"\ncompatibility_date = "2026-11-01"\n[[kv_namespaces]]\nbinding = "CACHE"\nid = "abc"\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "x"\ndatabase_id = "y"\n',
    );
    const refused = await runCli(["deploy", dir, "--project", "refused"], { home, env: { UNKEY_ROOT_KEY: rootKey, UNKEY_API_BASE_URL: stack.api } });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("KV namespaces (kv_namespaces: CACHE)");
    expect(refused.stdout).toContain("D1 databases (d1_databases: DB)");
    // a large bundle: upload progress lines
    const big = path.join(dir, "big.js");
    writeFileSync(
      big,
      `const BLOB = ${JSON.stringify("z".repeat(3 * 1024 * 1024))};\nexport default { fetch() { return new Response(String(BLOB.length)); } };\n`,
    );
    const large = await runCli(["deploy", big, "--project", "large"], { home, env: { UNKEY_ROOT_KEY: rootKey, UNKEY_API_BASE_URL: stack.api } });
    expect(large.code, large.stdout).toBe(0);
    expect(large.stdout).toContain("uploaded 100% (3.0 MiB of 3.0 MiB)");
    const file = path.join(dir, "nofetch.js");
    writeFileSync(file, "export default { scheduled() {} }");
    const failed = await runCli(["deploy", file, "--project", "failing"], { home, env: { UNKEY_ROOT_KEY: rootKey, UNKEY_API_BASE_URL: stack.api } });
    expect(failed.code, failed.stdout).toBe(1);
    expect(failed.stdout).toMatch(/failed: .*no default export with a fetch handler/);
  });
});
