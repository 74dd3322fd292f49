import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startSentinelStack, type SentinelStack } from "./helpers/sentinel";
import { rawExchange } from "./helpers/raw";

/**
 * Attacks on the Sentinel's request handling (issue 14 items 3, 4, 5, 9, 10, 12), each through
 * HTTP: a client sends the hostile request to the Sentinel, and a node HTTP origin (or the ECHO
 * Worker) reports exactly what reached the app.
 */
let stack: SentinelStack;
let origin: Server;
let originUrl: string;
type Seen = { method: string; path: string; rawHeaders: string[]; headers: Record<string, string | string[] | undefined> };
const seen: Seen[] = [];

beforeAll(async () => {
  origin = createServer((req, res) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "", rawHeaders: req.rawHeaders, headers: req.headers });
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", connection: "close, x-origin-hop", "x-origin-hop": "1", "keep-alive": "timeout=5" });
      res.end(JSON.stringify({ path: req.url }));
    });
  });
  await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
  originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  // the shared runner allows loopback upstreams (ALLOW_LOCAL_DESTINATIONS=1), as these tests need
  stack = await startSentinelStack();
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

/** One request to the Sentinel, the path and header names sent exactly as given (node:http does not rewrite them). */
function through(
  host: string,
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  const { port } = new URL(stack.sentinel);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, path, method: init.method ?? "GET", headers: { accept: "application/json", ...init.headers, host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let body: any = text;
          try {
            body = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The raw bytes of one HTTP/1.1 exchange (for what node:http refuses to send). */
/** The request the origin saw last, after sending one through the Sentinel. */
async function seenBy(host: string, path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  const before = seen.length;
  const res = await through(host, path, init);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(seen.length).toBe(before + 1);
  return seen[seen.length - 1]!;
}

let n = 0;
/** A workspace whose app's production serves the node origin (or `upstream`) behind `policies`. */
async function setup(policies: unknown[] = [], o: { upstream?: unknown; settings?: Record<string, unknown> } = {}) {
  const name = `req${++n}`;
  const res = await fetch(`${stack.api}/v2/workspaces.createWorkspace`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const { rootKey } = ((await res.json()) as any).data;
  const apiId = (await api("apis.createApi", { name: "gateway" }, rootKey)).body.data.apiId as string;
  expect((await api("projects.createProject", { name, slug: name }, rootKey)).status).toBe(200);
  expect((await api("apps.createApp", { project: name, name: "web", slug: "web" }, rootKey)).status).toBe(200);
  const where = { project: name, app: "web", environment: "production" };
  const set = await api("gateway.setPolicies", { ...where, policies: JSON.parse(JSON.stringify(policies).replaceAll("$API", apiId)) }, rootKey);
  expect(set.status, JSON.stringify(set.body)).toBe(200);
  if (o.settings) expect((await api("environments.updateSettings", { ...where, ...o.settings }, rootKey)).status).toBe(200);
  const dep = await api("deployments.createDeployment", { ...where, upstream: o.upstream ?? { url: originUrl } }, rootKey);
  expect(dep.status, JSON.stringify(dep.body)).toBe(201);
  const env = await api("environments.getEnvironment", where, rootKey);
  return { rootKey, apiId, where, host: (env.body.data.hostnames as string[])[0]! };
}

const lowerNames = (raw: string[]) => raw.filter((_, i) => i % 2 === 0).map((x) => x.toLowerCase());

describe("Sentinel: reserved and underscore header names (item 3)", () => {
  it("strips X_Unkey_Principal and every other _-spelling of X-Unkey-*, so no forged Principal reaches the app", async () => {
    const c = await setup();
    const got = await seenBy(c.host, "/", { headers: { X_Unkey_Principal: '{"subject":"forged"}', "X-Unkey_Principal": "forged", X_UNKEY_REGION: "forged" } });
    const names = lowerNames(got.rawHeaders);
    expect(names.filter((h) => h.replace(/_/g, "-") === "x-unkey-principal")).toEqual([]);
    expect(names).not.toContain("x_unkey_region");
    expect(got.headers["x-unkey-region"]).not.toBe("forged");
  });

  it("sends the real Principal only, even when the client adds an underscore spelling of it", async () => {
    const c = await setup([{ name: "keys", enabled: true, keyauth: { keyspaces: ["$API"] } }], { upstream: { worker: "ECHO" } });
    const key = (await api("keys.createKey", { apiId: c.apiId, externalId: "alice" }, c.rootKey)).body.data.key as string;
    const res = await through(c.host, "/", { headers: { authorization: `Bearer ${key}`, X_Unkey_Principal: '{"subject":"admin"}' } });
    expect(res.status).toBe(200);
    const headers = res.body.headers as Record<string, string>;
    expect(Object.keys(headers).filter((h) => h.replace(/_/g, "-") === "x-unkey-principal")).toEqual(["x-unkey-principal"]);
    expect(JSON.parse(headers["x-unkey-principal"]!).subject).toBe("alice");
  });

  it("drops header names containing `_` unless the app's runtime setting forwardUnderscoreHeaders is true", async () => {
    const strict = await setup();
    expect(lowerNames((await seenBy(strict.host, "/", { headers: { Remote_User: "root", "x-ok": "1" } })).rawHeaders)).not.toContain("remote_user");
    const open = await setup([], { settings: { forwardUnderscoreHeaders: true } });
    const env = await api("environments.getEnvironment", open.where, open.rootKey);
    expect(env.body.data.runtime.forwardUnderscoreHeaders).toBe(true);
    const names = lowerNames((await seenBy(open.host, "/", { headers: { Remote_User: "root", X_Unkey_Principal: "forged" } })).rawHeaders);
    expect(names).toContain("remote_user");
    expect(names).not.toContain("x_unkey_principal");
  });

  it("refuses a forwardUnderscoreHeaders that is not a boolean", async () => {
    const c = await setup();
    const res = await api("environments.updateSettings", { ...c.where, forwardUnderscoreHeaders: "yes" }, c.rootKey);
    expect(res.status).toBe(400);
    expect(res.body.error.type).toContain("invalid_input");
  });
});

describe("Sentinel: firewall paths (item 4)", () => {
  const deny = (path: Record<string, unknown>) => [{ name: "no admin", enabled: true, match: [{ path: { path } }], firewall: { action: "ACTION_DENY" } }];

  it("denies every spelling of a denied prefix: repeated slashes, dot segments, encoded unreserved characters", async () => {
    const c = await setup(deny({ prefix: "/admin" }));
    for (const p of [
      "/admin",
      "//admin",
      "///admin/users",
      "/x/../admin",
      "/x/%2e%2e/admin",
      "/x/%2E%2E//admin",
      "/./admin",
      "/%61dmin",
      "/%61%64%6d%69%6e/x",
    ]) {
      const res = await through(c.host, p);
      expect(res.status, p).toBe(403);
      expect(res.body.error.code, p).toBe("err:frontline:client:firewall_denied");
    }
  });

  it("refuses an encoded slash, backslash or NUL in any case with 400 in the gateway envelope, before any policy", async () => {
    const c = await setup(deny({ prefix: "/admin" }));
    const before = seen.length;
    for (const p of ["/%2fadmin", "/%2Fadmin", "/x%5cadmin", "/x%5Cadmin", "/admin%00", "/public%2f..%2fadmin"]) {
      const res = await through(c.host, p);
      expect(res.status, p).toBe(400);
      expect(res.body.error.code, p).toBe("err:frontline:client:invalid_path");
      expect(res.body.meta.requestId, p).toMatch(/^req_/);
    }
    expect(seen.length).toBe(before);
  });

  it("matches case-sensitively unless the rule sets ignoreCase", async () => {
    const exact = await setup(deny({ prefix: "/admin" }));
    expect((await through(exact.host, "/Admin")).status).toBe(200);
    const ic = await setup(deny({ prefix: "/admin", ignoreCase: true }));
    for (const p of ["/Admin", "//ADMIN", "/%41dmin"]) expect((await through(ic.host, p)).status, p).toBe(403);
  });

  it("forwards exactly the normalised path that was matched", async () => {
    const c = await setup(deny({ prefix: "/admin" }));
    expect((await seenBy(c.host, "//public//a/./b/../c?x=1")).path).toBe("/public/a/c?x=1");
    expect((await seenBy(c.host, "/%7euser/%62")).path).toBe("/~user/b");
  });
});

describe("Sentinel: the end user's key stays with the gateway (item 9)", () => {
  it("removes the key's query parameter and Authorization from the forwarded request", async () => {
    const c = await setup([{ name: "keys", enabled: true, keyauth: { keyspaces: ["$API"], locations: [{ queryParam: { name: "apikey" } }, { bearer: {} }] } }]);
    const key = (await api("keys.createKey", { apiId: c.apiId }, c.rootKey)).body.data.key as string;
    const viaQuery = await seenBy(c.host, `/orders?page=2&apikey=${key}&q=a%20b`);
    expect(viaQuery.path).toBe("/orders?page=2&q=a%20b");
    const viaBearer = await seenBy(c.host, "/orders", { headers: { authorization: `Bearer ${key}` } });
    expect(viaBearer.headers.authorization).toBeUndefined();
    expect(JSON.stringify(viaBearer.rawHeaders)).not.toContain(key);
    expect(viaBearer.headers["x-unkey-principal"]).toBeDefined();
  });

  it("removes a custom key header, and forwards it when the policy sets forwardKey", async () => {
    const c = await setup([{ name: "keys", enabled: true, keyauth: { keyspaces: ["$API"], locations: [{ header: { name: "X-Api-Key" } }] } }]);
    const key = (await api("keys.createKey", { apiId: c.apiId }, c.rootKey)).body.data.key as string;
    expect((await seenBy(c.host, "/", { headers: { "x-api-key": key } })).headers["x-api-key"]).toBeUndefined();
    const f = await setup([
      { name: "keys", enabled: true, keyauth: { keyspaces: ["$API"], locations: [{ header: { name: "X-Api-Key" } }], forwardKey: true } },
    ]);
    const key2 = (await api("keys.createKey", { apiId: f.apiId }, f.rootKey)).body.data.key as string;
    expect((await seenBy(f.host, "/", { headers: { "x-api-key": key2 } })).headers["x-api-key"]).toBe(key2);
    const listed = await api("gateway.listPolicies", f.where, f.rootKey);
    expect(JSON.stringify(listed.body.data)).toContain('"forwardKey":true');
  });

  it("refuses a forwardKey that is not a boolean", async () => {
    const c = await setup();
    const res = await api(
      "gateway.setPolicies",
      { ...c.where, policies: [{ name: "k", enabled: true, keyauth: { keyspaces: [c.apiId], forwardKey: "yes" } }] },
      c.rootKey,
    );
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error.errors)).toContain("forwardKey");
  });
});

describe("Sentinel: hop-by-hop headers and methods (item 10)", () => {
  it("strips hop-by-hop headers in both directions", async () => {
    const c = await setup();
    const before = seen.length;
    const res = await rawExchange(
      stack.sentinel,
      `GET /hop HTTP/1.1\nHost: ${c.host}\nConnection: close, X-Secret-Hop\nX-Secret-Hop: 1\nProxy-Connection: keep-alive\nProxy-Authorization: Basic dXNlcjpwYXNz\nKeep-Alive: timeout=5\nTE: trailers\nTrailer: X-T\nUpgrade: h2c\nX-App: kept\n\n`,
    );
    expect(res).toMatch(/^HTTP\/1\.1 200/);
    expect(res.toLowerCase()).not.toContain("x-origin-hop");
    expect(seen.length).toBe(before + 1);
    const names = lowerNames(seen[seen.length - 1]!.rawHeaders);
    expect(names).toContain("x-app");
    // workerd removes Connection itself before our code runs, so the headers it names cannot be
    // told apart here (docs/sentinel.md "Request handling"); the rest must not reach the app
    for (const h of ["proxy-connection", "proxy-authorization", "keep-alive", "te", "trailer", "upgrade"]) expect(names, h).not.toContain(h);
  });

  it("answers TRACE with 405 in the gateway envelope and forwards nothing", async () => {
    const c = await setup();
    const before = seen.length;
    const res = await through(c.host, "/", { method: "TRACE", headers: { cookie: "session=secret" } });
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe("err:frontline:client:method_not_allowed");
    expect(res.headers.allow).toContain("GET");
    expect(seen.length).toBe(before);
  });
});

describe("Sentinel: client address (item 5, Worker side)", () => {
  it("does not pass a client's forwarding headers on: X-Forwarded-For is the address the gateway determined", async () => {
    const c = await setup();
    const got = await seenBy(c.host, "/", {
      headers: { "x-forwarded-for": "6.6.6.6", "x-real-ip": "6.6.6.6", forwarded: "for=6.6.6.6", "true-client-ip": "6.6.6.6", "x-forwarded-port": "1" },
    });
    expect(got.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(JSON.stringify(got.rawHeaders)).not.toContain("6.6.6.6");
    expect(got.headers["x-forwarded-port"]).toBeUndefined();
  });

  it("counts a remoteIp rate limit per determined address, whatever X-Forwarded-For says", async () => {
    const c = await setup([{ name: "per ip", enabled: true, ratelimit: { limit: 1, windowMs: 60_000, identifiers: [{ remoteIp: {} }] } }]);
    expect((await through(c.host, "/", { headers: { "x-forwarded-for": "1.1.1.1" } })).status).toBe(200);
    expect((await through(c.host, "/", { headers: { "x-forwarded-for": "2.2.2.2" } })).status).toBe(429);
  });
});

describe("Runtime-level answers (item 12)", () => {
  it("answers oversized headers the runtime lets through with 431 in the envelope, on the Sentinel and the API", async () => {
    const c = await setup();
    const big = "a".repeat(40 * 1024);
    const s = await through(c.host, "/", { headers: { authorization: `Bearer ${big}` } });
    expect(s.status).toBe(431);
    expect(s.body.error.code).toBe("err:frontline:client:request_headers_too_large");
    const a = await fetch(`${stack.api}/v2/keys.verifyKey`, {
      method: "POST",
      headers: { authorization: `Bearer ${big}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(a.status).toBe(431);
    const body = (await a.json()) as any;
    expect(body.error.status).toBe(431);
    expect(body.meta.requestId).toMatch(/^req_/);
  });

  it("documents what is answered before our code runs: two Host headers (400 in the envelope, by the local runner as by Cloudflare's edge), CONNECT and a head over 128 KiB", async () => {
    // pinned so a runtime change that starts passing them to us is noticed (docs/sentinel.md "Request handling")
    for (const base of [stack.sentinel, stack.api]) {
      const two = await rawExchange(base, "GET / HTTP/1.1\nHost: a.localhost\nHost: b.localhost\nConnection: close\n\n");
      expect(two).toMatch(/^HTTP\/1\.1 400/);
      expect(two).toContain("unkey/application/invalid_input");
    }
    const tunnel = await rawExchange(stack.sentinel, "CONNECT a.localhost:443 HTTP/1.1\nHost: a.localhost:443\nConnection: close\n\n");
    expect(tunnel).toMatch(/^HTTP\/1\.1 (400|405|500)/);
    const huge = await rawExchange(stack.sentinel, `GET / HTTP/1.1\nHost: a.localhost\nAuthorization: ${"a".repeat(200 * 1024)}\nConnection: close\n\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431/);
  });
});
