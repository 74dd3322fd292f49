import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
import { NextRequest } from "next/server";
import { startApi, type TestServer } from "./helpers/server";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { E2E_ADMIN_KEY, startRunnerInstance } from "./helpers/runner";
// @ts-expect-error plain ESM helper shared with the scripts
import { ROOT, WRANGLER, freePort, offlineEnv } from "../../scripts/lib/wrangler.mjs";
import { createApp as createHonoApp } from "../../examples/hono-app/src/app";
import { createApp as createExpressApp } from "../../examples/express-app/src/app";

/**
 * The recipes in examples/ against a running API Worker: each verifies keys and rate-limits.
 * Hono, Express and the Next.js route handler run in this process; the Worker runs under
 * the local runner next to its own API Worker, its service binding resolved in the same process.
 */
let server: TestServer;
let rootKey: string;
let apiId: string;
const stops: (() => Promise<unknown>)[] = [];

async function post(path: string, body: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { data: any };
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

/** A key allowed `limit` requests a minute, applied on every verification. */
async function limitedKey(limit = 2): Promise<string> {
  const { key } = await post("/v2/keys.createKey", { apiId, ratelimits: [{ name: "requests", limit, duration: 60_000, autoApply: true }] });
  return key;
}

/** Two requests pass, the third is 429; a wrong key is 401. */
async function expectVerifiesAndLimits(get: (headers: Record<string, string>) => Response | Promise<Response>, newKey = () => limitedKey()) {
  const key = await newKey();
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await get({ authorization: `Bearer ${key}` })).status);
  expect(statuses).toEqual([200, 200, 429]);
  expect((await get({ authorization: "Bearer sk_not_a_key" })).status).toBe(401);
  expect((await get({})).status).toBe(401);
}

beforeAll(async () => {
  server = await startApi();
  rootKey = (await server.newWorkspace("examples")).rootKey;
  apiId = (await post("/v2/apis.createApi", { name: "examples" })).apiId;
});

afterAll(async () => {
  for (const stop of stops) await stop().catch(() => {});
  await server?.stop();
});

describe("examples/", () => {
  it("hono-app: @keyforge/hono over HTTP", async () => {
    const app = createHonoApp({ baseUrl: server.url, rootKey });
    await expectVerifiesAndLimits((headers) => app.request("/v1/hello", { headers }));
    // a wrong root key is the app's own 503 through onError, not a 500
    const broken = createHonoApp({ baseUrl: server.url, rootKey: "unkey_wrong" });
    const res = await broken.request("/v1/hello", { headers: { authorization: `Bearer ${await limitedKey()}` } });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 401 });
  });

  it("express-app: @unkey/api (serverURL) and @unkey/ratelimit (baseUrl)", async () => {
    const http: Server = createExpressApp({ baseUrl: server.url, rootKey, limit: 2 }).listen(0, "127.0.0.1");
    await new Promise((r) => http.once("listening", r));
    stops.push(() => new Promise((r) => http.close(r)));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    // a key without limits of its own: the 429 comes from @unkey/ratelimit
    const unlimitedKey = async () => (await post("/v2/keys.createKey", { apiId })).key as string;
    await expectVerifiesAndLimits((headers) => fetch(`${url}/v1/hello`, { headers }), unlimitedKey);
  });

  it("nextjs-route: the route handler's GET, called directly under Node (no Next build)", async () => {
    process.env.KEYFORGE_URL = server.url;
    process.env.KEYFORGE_ROOT_KEY = rootKey;
    const { GET } = await import("../../examples/nextjs-route/app/api/protected/route");
    const ctx = { params: Promise.resolve({}) };
    await expectVerifiesAndLimits((headers) => GET(new NextRequest("http://localhost:3000/api/protected", { headers }), ctx));
    const key = await limitedKey();
    const ok = await GET(new NextRequest("http://localhost:3000/api/protected", { headers: { authorization: `Bearer ${key}` } }), ctx);
    expect(await ok.json()).toMatchObject({ path: "/api/protected", remaining: 1 });
  });

  it("worker-binding: a Worker verifying through its service binding to ApiEntrypoint", async () => {
    // bundled as `wrangler deploy` would (the workspace packages from source; published, they
    // resolve to their built dist/), then run in a runner of its own next to the API Worker,
    // its KEYFORGE binding resolved inside the process
    const src = (p: string) => fileURLToPath(new URL(`../../packages/${p}/src/index.ts`, import.meta.url));
    const outDir = mkdtempSync(path.join(tmpdir(), "keyforge-example-worker-"));
    // --alias is wrangler dev's; for a bundle, a copy of the config with an [alias] table
    const config = path.join(outDir, "wrangler.toml");
    const toml = readFileSync(path.join(ROOT, "examples/worker-binding/wrangler.toml"), "utf8").replace(
      'main = "src/index.ts"',
      `main = ${JSON.stringify(path.join(ROOT, "examples/worker-binding/src/index.ts"))}`,
    );
    writeFileSync(config, `${toml}\n[alias]\n"@keyforge/hono" = ${JSON.stringify(src("hono"))}\n"@keyforge/core" = ${JSON.stringify(src("core"))}\n`);
    execFileSync(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", path.join(outDir, "bundle"), "-c", config], {
      cwd: ROOT,
      env: offlineEnv(),
      stdio: "pipe",
    });
    // the Worker's root key must exist before it starts: a workspace on the state first
    const stateDir = mkdtempSync(path.join(tmpdir(), "keyforge-example-state-"));
    stops.push(async () => rmSync(stateDir, { recursive: true, force: true }));
    const first = await startRunnerInstance({ vars: {}, stateDir });
    const created = await fetch(`${first.url}/v2/workspaces.createWorkspace`, {
      method: "POST",
      headers: { authorization: `Bearer ${E2E_ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "worker-binding" }),
    });
    const ws = ((await created.json()) as { data: { rootKey: string } }).data;
    await first.stop();
    const port = await freePort();
    const own = await startRunnerInstance({
      vars: {},
      stateDir,
      extraWorkers: [
        {
          name: "keyforge-example-worker-binding",
          modules: true,
          scriptPath: path.join(outDir, "bundle", "index.js"),
          modulesRoot: path.join(outDir, "bundle"),
          compatibilityDate: "2026-11-01",
          bindings: { KEYFORGE_ROOT_KEY: ws.rootKey },
          serviceBindings: { KEYFORGE: { name: "keyforge-api", entrypoint: "ApiEntrypoint" } },
          unsafeDirectSockets: [{ host: "127.0.0.1", port }],
        },
      ],
    });
    stops.push(() => own.stop());
    stops.push(async () => rmSync(outDir, { recursive: true, force: true }));
    const base = `http://127.0.0.1:${port}`;
    const before = { server, rootKey, apiId };
    server = { ...server, url: own.url };
    rootKey = ws.rootKey;
    apiId = (await post("/v2/apis.createApi", { name: "worker-binding" })).apiId;
    try {
      await expectVerifiesAndLimits((headers) => fetch(`${base}/v1/hello`, { headers }));
      const res = await fetch(`${base}/v1/hello`, { headers: { authorization: `Bearer ${await limitedKey()}` } });
      expect(await res.json()).toMatchObject({ via: "service binding" });
    } finally {
      ({ server, rootKey, apiId } = before);
    }
  });
});
