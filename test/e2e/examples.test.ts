import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
import { NextRequest } from "next/server";
import { startApi, type TestServer } from "./helpers/server";
// @ts-expect-error plain ESM helper shared with the scripts
import { startWrangler } from "../../scripts/lib/wrangler.mjs";
import { createApp as createHonoApp } from "../../examples/hono-app/src/app";
import { createApp as createExpressApp } from "../../examples/express-app/src/app";

/**
 * The recipes in examples/ against a running API Worker: each verifies keys and rate-limits.
 * Hono, Express and the Next.js route handler run in this process; the Worker runs under
 * wrangler dev with its service binding to the API Worker (found through the dev registry).
 */
let server: TestServer;
let rootKey: string;
let apiId: string;
const stops: (() => Promise<unknown>)[] = [];

async function post(path: string, body: unknown) {
  const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json" }, body: JSON.stringify(body) });
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
    const src = (p: string) => fileURLToPath(new URL(`../../packages/${p}/src/index.ts`, import.meta.url));
    const worker = await startWrangler({
      configs: ["examples/worker-binding/wrangler.toml"],
      readyPath: "/health",
      vars: { KEYFORGE_ROOT_KEY: rootKey },
      // the workspace packages from source (published, they resolve to their built dist/)
      extraArgs: ["--alias", `@keyforge/hono=${src("hono")}`, "--alias", `@keyforge/core=${src("core")}`],
    });
    stops.push(() => worker.stop());
    await expectVerifiesAndLimits((headers) => fetch(`${worker.url}/v1/hello`, { headers }));
    const res = await fetch(`${worker.url}/v1/hello`, { headers: { authorization: `Bearer ${await limitedKey()}` } });
    expect(await res.json()).toMatchObject({ via: "service binding" });
  });
});
