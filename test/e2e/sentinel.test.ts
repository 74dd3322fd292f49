import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startSentinelStack, type SentinelStack } from "./helpers/sentinel";

/**
 * The Sentinel end to end: API Worker + Sentinel + an upstream Worker under wrangler dev, and a
 * node HTTP server as a URL upstream. Requests reach the Sentinel with the Host header of a
 * generated hostname (…​.localhost), as `curl -H "Host: …"` would send them.
 */
let stack: SentinelStack;
let origin: Server;
let originUrl: string;
const originHits: { path: string; headers: IncomingMessage["headers"] }[] = [];

const ORIGIN_SPEC = {
  openapi: "3.0.3",
  info: { title: "origin", version: "1" },
  paths: {
    "/items": {
      post: {
        requestBody: {
          required: true,
          content: { "application/json": { schema: { type: "object", required: ["name"], properties: { name: { type: "string", minLength: 1 } } } } },
        },
      },
    },
    "/items/{id}": { get: { parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }] } },
  },
};

beforeAll(async () => {
  origin = createServer((req, res) => {
    const path = req.url ?? "/";
    if (path.endsWith("/openapi.json")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(ORIGIN_SPEC));
      return;
    }
    if (path.endsWith("/hang")) return; // never answers: the Sentinel's deadline applies
    originHits.push({ path, headers: req.headers });
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "x-origin": path.split("/")[1] ?? "" });
      res.end(JSON.stringify({ upstream: "origin", base: path.split("/")[1], path, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
  originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  stack = await startSentinelStack({ sentinelVars: { SENTINEL_REQUEST_TIMEOUT_MS: "1500" } });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await new Promise((r) => origin?.close(r));
});

async function api(op: string, body: unknown, token: string) {
  const res = await fetch(`${stack.api}/v2/${op}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** A request to the Sentinel with the given Host header (fetch cannot set Host; node:http can). */
async function through(host: string, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const { port } = new URL(stack.sentinel);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, path, method: init.method ?? "GET", headers: { accept: "application/json", ...init.headers, host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const one of Array.isArray(v) ? v : [v ?? ""]) headers.append(k, one);
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers }));
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** A workspace with an API, a key and a project/app whose production serves `upstream`. */
async function setup(name: string, policies: unknown[] = [], upstream: unknown = { worker: "ECHO" }) {
  const res = await fetch(`${stack.api}/v2/workspaces.createWorkspace`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const { rootKey, workspaceId } = ((await res.json()) as any).data;
  const apiId = (await api("apis.createApi", { name: "gateway" }, rootKey)).body.data.apiId as string;
  const project = (await api("projects.createProject", { name, slug: name }, rootKey)).body.data.id as string;
  expect((await api("apps.createApp", { project: name, name: "web", slug: "web" }, rootKey)).status).toBe(200);
  const resolvedPolicies = JSON.parse(JSON.stringify(policies).replaceAll("$API", apiId));
  const set = await api("gateway.setPolicies", { project: name, app: "web", environment: "production", policies: resolvedPolicies }, rootKey);
  expect(set.status, JSON.stringify(set.body)).toBe(200);
  const dep = await api("deployments.createDeployment", { project: name, app: "web", environment: "production", upstream }, rootKey);
  expect(dep.status, JSON.stringify(dep.body)).toBe(201);
  const env = await api("environments.getEnvironment", { project: name, app: "web", environment: "production" }, rootKey);
  const liveHost = (env.body.data.hostnames as string[])[0]!;
  return { rootKey, workspaceId, apiId, project, liveHost, deploymentId: dep.body.data.deploymentId as string };
}

async function newKey(rootKey: string, apiId: string, extra: Record<string, unknown> = {}) {
  const r = await api("keys.createKey", { apiId, ...extra }, rootKey);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.data as { key: string; keyId: string };
}

describe("Sentinel: keyauth", () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    ctx = await setup("keyauth", [{ name: "keys", enabled: true, keyauth: { keyspaces: ["$API"] } }]);
  });

  it("answers 401 missing_credentials without a key, and nothing reaches the app", async () => {
    const res = await through(ctx.liveHost, "/hello");
    expect(res.status).toBe(401);
    const body = (await res.json()) as any;
    expect(body.error).toMatchObject({
      status: 401,
      code: "err:frontline:client:missing_credentials",
      type: "https://unkey.com/docs/errors/frontline/client/missing_credentials",
    });
    expect(body.meta.requestId).toMatch(/^req_/);
  });

  it("answers 401 invalid_key for an unknown key", async () => {
    const res = await through(ctx.liveHost, "/hello", { headers: { authorization: "Bearer not_a_real_key" } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("err:frontline:client:invalid_key");
  });

  it("answers 401 invalid_key for a key of a keyspace the policy does not list", async () => {
    const otherApi = (await api("apis.createApi", { name: "other" }, ctx.rootKey)).body.data.apiId;
    const { key } = await newKey(ctx.rootKey, otherApi);
    const res = await through(ctx.liveHost, "/hello", { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(401);
  });

  it("renders rejections as HTML when the client does not ask for JSON", async () => {
    const res = await through(ctx.liveHost, "/hello", { headers: { accept: "text/html" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("err:frontline:client:missing_credentials");
  });

  it("forwards a valid key with the Principal and strips client-sent X-Unkey-* headers", async () => {
    const { key, keyId } = await newKey(ctx.rootKey, ctx.apiId, { name: "ci", meta: { plan: "pro" }, externalId: "user_42" });
    const res = await through(ctx.liveHost, "/hello?x=1", {
      headers: { authorization: `Bearer ${key}`, "x-unkey-principal": '{"subject":"forged"}', "x-unkey-evil": "1" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-unkey-request-id")).toMatch(/^req_/);
    const seen = (await res.json()) as any;
    expect(seen.upstream).toBe("worker");
    expect(seen.path).toBe("/hello");
    expect(seen.headers["x-unkey-evil"]).toBeUndefined();
    const principal = JSON.parse(seen.headers["x-unkey-principal"]);
    expect(principal).toMatchObject({
      version: "v1",
      subject: "user_42",
      type: "API_KEY",
      identity: { externalId: "user_42", meta: {} },
      source: { key: { keyId, name: "ci", meta: { plan: "pro" } } },
    });
    expect(principal.source.key.keySpaceId).toMatch(/^ks_/);
    expect(seen.headers["x-forwarded-host"]).toBe(ctx.liveHost);
    expect(seen.headers["x-unkey-request-id"]).toBe(res.headers.get("x-unkey-request-id"));
  });

  it("answers 429 usage_exceeded once a key's credits are spent, and reports the credits left", async () => {
    const { key } = await newKey(ctx.rootKey, ctx.apiId, { credits: { remaining: 1 } });
    const first = await through(ctx.liveHost, "/", { headers: { authorization: `Bearer ${key}` } });
    expect(first.status).toBe(200);
    expect(JSON.parse(((await first.json()) as any).headers["x-unkey-principal"]).source.key.credits).toBe(0);
    const second = await through(ctx.liveHost, "/", { headers: { authorization: `Bearer ${key}` } });
    expect(second.status).toBe(429);
    expect(((await second.json()) as any).error.code).toBe("err:frontline:client:usage_exceeded");
  });

  it("enforces the keyauth policy's own rate limits per key, with rate-limit headers", async () => {
    const c = await setup("keylimits", [
      { name: "keys", enabled: true, keyauth: { keyspaces: ["$API"], ratelimits: [{ name: "gateway", limit: 1, duration: 60_000 }] } },
    ]);
    const { key } = await newKey(c.rootKey, c.apiId);
    const first = await through(c.liveHost, "/", { headers: { authorization: `Bearer ${key}` } });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit")).toBe("1");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("0");
    const second = await through(c.liveHost, "/", { headers: { authorization: `Bearer ${key}` } });
    expect(second.status).toBe(429);
    expect(((await second.json()) as any).error.code).toBe("err:frontline:client:rate_limited");
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("answers 403 insufficient_permissions when the key misses the policy's permission query", async () => {
    const c = await setup("permq", [{ name: "admins", enabled: true, keyauth: { keyspaces: ["$API"], permissionQuery: "admin.read" } }]);
    const { key } = await newKey(c.rootKey, c.apiId);
    const res = await through(c.liveHost, "/", { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe("err:frontline:client:insufficient_permissions");
  });
});

describe("Sentinel: ratelimit, firewall, openapi", () => {
  it("answers 429 with rate-limit headers once the limit is used up", async () => {
    const c = await setup("limits", [
      { name: "per ip", enabled: true, ratelimit: { limit: 2, windowMs: 60_000, identifiers: [{ header: { name: "x-client" } }] } },
    ]);
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await through(c.liveHost, "/", { headers: { "x-client": "alice" } });
      statuses.push(last.status);
      if (i < 2) {
        expect(last.headers.get("x-ratelimit-limit")).toBe("2");
        expect(last.headers.get("x-ratelimit-remaining")).toBe(String(1 - i));
      }
      await last.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last!.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(last!.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000 - 1);
    // another identifier has its own bucket
    expect((await through(c.liveHost, "/", { headers: { "x-client": "bob" } })).status).toBe(200);
  });

  it("answers 403 firewall_denied for a request matching a deny policy, and passes the rest", async () => {
    const c = await setup("firewall", [
      {
        name: "no admin",
        enabled: true,
        match: [{ path: { path: { prefix: "/admin" } } }, { method: { methods: ["POST"] } }],
        firewall: { action: "ACTION_DENY" },
      },
    ]);
    const denied = await through(c.liveHost, "/admin/users", { method: "POST", body: "{}" });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as any).error.code).toBe("err:frontline:client:firewall_denied");
    expect((await through(c.liveHost, "/admin/users")).status).toBe(200);
    expect((await through(c.liveHost, "/public", { method: "POST", body: "{}" })).status).toBe(200);
  });

  it("answers 400 for a request the OpenAPI document rejects, before it reaches the app", async () => {
    const c = await setup("openapi", [{ name: "schema", enabled: true, openapi: {} }], { url: originUrl });
    expect(
      (await api("environments.updateSettings", { project: "openapi", app: "web", environment: "production", openapiSpecPath: "/a/openapi.json" }, c.rootKey))
        .status,
    ).toBe(200);
    // settings reach deployments created afterwards
    const dep = await api(
      "deployments.createDeployment",
      { project: "openapi", app: "web", environment: "production", upstream: { url: `${originUrl}/a` } },
      c.rootKey,
    );
    expect(dep.status).toBe(201);
    const before = originHits.length;
    const bad = await through(c.liveHost, "/items", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: 42 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe("err:frontline:client:openapi_validation_failed");
    const badParam = await through(c.liveHost, "/items/abc");
    expect(badParam.status).toBe(400);
    await badParam.arrayBuffer();
    expect(originHits.length).toBe(before);
    const good = await through(c.liveHost, "/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "pen" }),
    });
    expect(good.status).toBe(200);
    expect(((await good.json()) as any).body).toBe('{"name":"pen"}');
    expect(originHits.length).toBe(before + 1);
  });
});

describe("Sentinel: deployments", () => {
  it("switches upstream on promote and rollback with no failed request in between", async () => {
    const c = await setup("switch", [], { url: `${originUrl}/one` });
    const second = await api(
      "deployments.createDeployment",
      { project: "switch", app: "web", environment: "production", upstream: { url: `${originUrl}/two` } },
      c.rootKey,
    );
    expect(second.status).toBe(201);
    const seenBy = async () => {
      const r = await through(c.liveHost, "/ping");
      expect(r.status).toBe(200);
      return ((await r.json()) as any).base as string;
    };
    expect(await seenBy()).toBe("two");
    let running = true;
    const statuses: number[] = [];
    const load = (async () => {
      while (running) {
        const r = await through(c.liveHost, "/ping");
        statuses.push(r.status);
        await r.arrayBuffer();
      }
    })();
    const rb = await api("deployments.rollbackDeployment", { deploymentId: c.deploymentId }, c.rootKey);
    expect(rb.status).toBe(202);
    expect(await seenBy()).toBe("one");
    const app = await api("apps.getApp", { project: "switch", app: "web" }, c.rootKey);
    expect(app.body.data).toMatchObject({ currentDeploymentId: c.deploymentId, isRolledBack: true });
    const pr = await api("deployments.promoteDeployment", { deploymentId: second.body.data.deploymentId }, c.rootKey);
    expect(pr.status).toBe(202);
    expect(await seenBy()).toBe("two");
    running = false;
    await load;
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // the deployment hostname stays pinned to its deployment
    const dep = await api("deployments.getDeployment", { deploymentId: c.deploymentId }, c.rootKey);
    const pinned = (dep.body.data.domains as string[]).find((h) => h.includes("-dep-"))!;
    const r = await through(pinned, "/ping");
    expect(((await r.json()) as any).base).toBe("one");
  });

  it("answers 404 for an unknown host and 503 when the upstream cannot be reached", async () => {
    const unknown = await through("nothing-here.localhost", "/");
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.code).toBe("err:frontline:routing:config_not_found");
    const c = await setup("down", [], { url: "http://127.0.0.1:9" });
    const down = await through(c.liveHost, "/");
    expect(down.status).toBe(503);
    expect(((await down.json()) as any).error.code).toBe("err:frontline:upstream:service_unavailable");
    const unbound = await setup("unbound", [], { worker: "NOT_BOUND" });
    const missing = await through(unbound.liveHost, "/");
    expect(missing.status).toBe(503);
    await missing.arrayBuffer();
  });

  it("answers 504 when the upstream does not answer before the deadline", async () => {
    const c = await setup("slow", [], { url: originUrl });
    const res = await through(c.liveHost, "/hang");
    expect(res.status).toBe(504);
    expect(((await res.json()) as any).error.code).toBe("err:frontline:upstream:gateway_timeout");
  });

  it("answers 503 for a stopped preview deployment and serves it again once started", async () => {
    const c = await setup("preview");
    const dep = await api("deployments.createDeployment", { project: "preview", app: "web", environment: "preview", upstream: { worker: "ECHO" } }, c.rootKey);
    const env = await api("environments.getEnvironment", { project: "preview", app: "web", environment: "preview" }, c.rootKey);
    const host = env.body.data.hostnames[0] as string;
    expect((await through(host, "/")).status).toBe(200);
    expect((await api("deployments.stopDeployment", { deploymentId: dep.body.data.deploymentId }, c.rootKey)).status).toBe(202);
    const stopped = await through(host, "/");
    expect(stopped.status).toBe(503);
    expect(((await stopped.json()) as any).error.code).toBe("err:frontline:capacity:deployment_offline");
    expect((await api("deployments.startDeployment", { deploymentId: dep.body.data.deploymentId }, c.rootKey)).status).toBe(202);
    expect((await through(host, "/")).status).toBe(200);
  });

  it("passes the app's own error responses through unchanged", async () => {
    const c = await setup("apperr");
    const res = await through(c.liveHost, "/status/500");
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("app failure");
  });

  it("passes WebSocket upgrades through to a Worker upstream", async () => {
    const c = await setup("sockets");
    const { port } = new URL(stack.sentinel);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: "127.0.0.1",
        port,
        path: "/ws",
        headers: {
          host: c.liveHost,
          connection: "Upgrade",
          upgrade: "websocket",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
      });
      req.on("upgrade", (res, socket) => {
        socket.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.on("response", (res) => resolve(res.statusCode ?? 0));
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(101);
  });
});

describe("Sentinel: request logs", () => {
  it("writes one row per proxied request, queryable with analytics.getGatewayRequests, with redaction", async () => {
    const c = await setup("logs", [
      { name: "keys", enabled: true, keyauth: { keyspaces: ["$API"], locations: [{ header: { name: "x-api-key" } }] } },
      { name: "log all", enabled: true, logging: { requestHeaders: true, query: true } },
    ]);
    const { key } = await newKey(c.rootKey, c.apiId);
    const res = await through(c.liveHost, "/logged?page=2", { headers: { "x-api-key": key, authorization: "Basic abc" } });
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-unkey-request-id")!;
    let rows: any[] = [];
    for (let i = 0; i < 60 && rows.length === 0; i++) {
      const q = await api(
        "analytics.getGatewayRequests",
        {
          query: `SELECT request_id, method, path, host, response_status, query_string, request_headers, deployment_id, total_latency FROM gateway_requests_v1 WHERE request_id = '${requestId}'`,
        },
        c.rootKey,
      );
      expect(q.status, JSON.stringify(q.body)).toBe(200);
      rows = q.body.data;
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row).toMatchObject({
      method: "GET",
      path: "/logged",
      host: c.liveHost,
      response_status: 200,
      query_string: "page=2",
      deployment_id: c.deploymentId,
    });
    const headers = (Array.isArray(row.request_headers) ? row.request_headers : JSON.parse(row.request_headers)) as string[];
    expect(headers).toContain("x-api-key: [REDACTED]");
    expect(headers).toContain("authorization: [REDACTED]");
    expect(headers.join("\n")).not.toContain(key);
    const agg = await api(
      "analytics.getGatewayRequests",
      {
        query:
          "SELECT path, response_status, COUNT(*) AS n, AVG(total_latency) AS ms FROM gateway_requests_v1 WHERE time > now() - INTERVAL 1 HOUR GROUP BY path, response_status",
      },
      c.rootKey,
    );
    expect(agg.status, JSON.stringify(agg.body)).toBe(200);
    expect(agg.body.data).toContainEqual(expect.objectContaining({ path: "/logged", response_status: 200, n: 1 }));
    // rejected requests leave no row; another workspace sees nothing
    const other = await setup("logs2");
    const none = await api(
      "analytics.getGatewayRequests",
      { query: `SELECT request_id FROM gateway_requests_v1 WHERE request_id = '${requestId}'` },
      other.rootKey,
    );
    expect(none.body.data).toEqual([]);
  });
});
