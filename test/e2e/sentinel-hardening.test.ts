import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startSentinelStack, type SentinelStack } from "./helpers/sentinel";
import { startDohStub, type DohStub } from "./helpers/dns";

/**
 * SSRF through upstreams, end to end. The API runs with ALLOW_LOCAL_DESTINATIONS=1, so it
 * stores a loopback upstream (as a row written before the policy, or under a var since turned
 * off, would be); the Sentinel runs without it and with APP_WORKER_BINDINGS = ["ECHO"], and must
 * refuse at request time, before anything reaches the loopback server or an unlisted Worker.
 */
let stack: SentinelStack;
let origin: Server;
let originUrl: string;
let originHits = 0;
let dns: DohStub;

beforeAll(async () => {
  origin = createServer((req, res) => {
    originHits++;
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("secret from loopback");
  });
  await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
  originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  dns = await startDohStub();
  stack = await startSentinelStack({
    apiVars: { ALLOW_LOCAL_DESTINATIONS: "1", DNS_RESOLVER_URL: dns.url },
    sentinelVars: { ALLOW_LOCAL_DESTINATIONS: "0", APP_WORKER_BINDINGS: '["ECHO"]' },
  });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await new Promise((r) => origin?.close(r));
  await dns?.stop();
});

async function api(op: string, body: unknown, token: string) {
  const res = await fetch(`${stack.api}/v2/${op}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

function through(host: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { port } = new URL(stack.sentinel);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers: { accept: "application/json", ...headers, host } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: "" });
    });
    req.on("error", reject);
    req.end();
  });
}

async function app(name: string) {
  const res = await fetch(`${stack.api}/v2/workspaces.createWorkspace`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const { rootKey } = ((await res.json()) as any).data;
  await api("projects.createProject", { name, slug: name }, rootKey);
  expect((await api("apps.createApp", { project: name, name: "web", slug: "web" }, rootKey)).status).toBe(200);
  return rootKey as string;
}

async function liveHost(name: string, rootKey: string) {
  const env = await api("environments.getEnvironment", { project: name, app: "web", environment: "production" }, rootKey);
  return (env.body.data.hostnames as string[])[0]!;
}

describe("destination policy end to end", () => {
  it("the Sentinel refuses a stored loopback upstream at request time: no request, no OpenAPI document fetch, no WebSocket upgrade reaches it", async () => {
    const rootKey = await app("loop");
    // with the openapi policy the Sentinel would also fetch the document from the upstream
    expect(
      (
        await api(
          "gateway.setPolicies",
          { project: "loop", app: "web", environment: "production", policies: [{ name: "schema", enabled: true, openapi: {} }] },
          rootKey,
        )
      ).status,
    ).toBe(200);
    expect(
      (await api("environments.updateSettings", { project: "loop", app: "web", environment: "production", openapiSpecPath: "/openapi.json" }, rootKey)).status,
    ).toBe(200);
    const dep = await api("deployments.createDeployment", { project: "loop", app: "web", environment: "production", upstream: { url: originUrl } }, rootKey);
    expect(dep.status, JSON.stringify(dep.body)).toBe(201);
    const host = await liveHost("loop", rootKey);
    const res = await through(host, "/json/version");
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body).error.code).toBe("err:frontline:config:invalid_configuration");
    expect(res.body).toContain("loopback");
    expect(res.body).not.toContain("secret from loopback");
    const ws = await through(host, "/devtools/page/1", {
      connection: "Upgrade",
      upgrade: "websocket",
      "sec-websocket-version": "13",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    });
    expect(ws.status).toBe(422);
    expect(originHits).toBe(0);
  });

  it("the Sentinel refuses a Worker upstream that APP_WORKER_BINDINGS does not list, though it is bound", async () => {
    const rootKey = await app("unlisted");
    expect(
      (
        await api(
          "deployments.createDeployment",
          { project: "unlisted", app: "web", environment: "production", upstream: { worker: "ECHO_UNLISTED" } },
          rootKey,
        )
      ).status,
    ).toBe(201);
    const res = await through(await liveHost("unlisted", rootKey), "/");
    expect(res.status).toBe(422);
    expect(res.body).toContain("APP_WORKER_BINDINGS");
  });

  it("the API refuses, even with ALLOW_LOCAL_DESTINATIONS=1, private ranges, its own origin and its own bindings (400 naming the field)", async () => {
    const rootKey = await app("write");
    const refused: [unknown, string][] = [
      [{ url: "http://10.0.0.1/" }, "/body/upstream/url"],
      [{ url: "http://192.168.1.10:8080/" }, "/body/upstream/url"],
      [{ url: "http://169.254.169.254/latest/meta-data/" }, "/body/upstream/url"],
      [{ url: "http://[fd00::1]/" }, "/body/upstream/url"],
      [{ url: "http://[::ffff:10.0.0.1]/" }, "/body/upstream/url"],
      [{ url: stack.api }, "/body/upstream/url"],
      [{ url: `${stack.api.replace("127.0.0.1", "2130706433")}/v2` }, "/body/upstream/url"],
      [{ url: stack.sentinel.replace("127.0.0.1", "x.localhost") }, "/body/upstream/url"],
      [{ worker: "API" }, "/body/upstream/worker"],
      [{ worker: "DB" }, "/body/upstream/worker"],
      [{ worker: "RATE_LIMITER" }, "/body/upstream/worker"],
    ];
    for (const [upstream, location] of refused) {
      const res = await api("deployments.createDeployment", { project: "write", app: "web", environment: "production", upstream }, rootKey);
      expect(res.status, JSON.stringify(upstream)).toBe(400);
      expect(res.body.error.type).toBe("https://unkey.com/docs/errors/unkey/application/invalid_input");
      expect(res.body.error.errors[0].location).toBe(location);
    }
  });
});

describe("RE2 match rules", () => {
  it("a backtracking regex (^/(a+)+$) on a long path answers at once, through the Sentinel", async () => {
    const rootKey = await app("redos");
    const policies = [{ name: "deny a", enabled: true, match: [{ path: { path: { regex: "^/(a+)+$" } } }], firewall: { action: "ACTION_DENY" } }];
    expect((await api("gateway.setPolicies", { project: "redos", app: "web", environment: "production", policies }, rootKey)).status).toBe(200);
    expect(
      (await api("deployments.createDeployment", { project: "redos", app: "web", environment: "production", upstream: { worker: "ECHO" } }, rootKey)).status,
    ).toBe(201);
    const host = await liveHost("redos", rootKey);
    // 2^40 steps for a backtracking engine; linear for RE2
    const attack = await through(host, `/${"a".repeat(40)}!`);
    expect(attack.status).toBe(200);
    expect((await through(host, "/aaaa")).status).toBe(403);
  }, 20_000);

  it("refuses a backreference or a lookahead with 400 naming the rule", async () => {
    const rootKey = await app("re2bad");
    for (const regex of ["(a)\\1", "(?=a)"]) {
      const policies = [
        { name: "ok", enabled: true, firewall: { action: "ACTION_DENY" } },
        { name: "bad", enabled: true, match: [{ path: { path: { regex } } }], firewall: { action: "ACTION_DENY" } },
      ];
      const res = await api("gateway.setPolicies", { project: "re2bad", app: "web", environment: "production", policies }, rootKey);
      expect(res.status).toBe(400);
      expect(res.body.error.errors[0].location).toMatch(/^policies\[1\]\.match\[0\]/);
    }
  });
});

describe("custom domain claims", () => {
  async function withApp(name: string) {
    const rootKey = await app(name);
    expect(
      (await api("deployments.createDeployment", { project: name, app: "web", environment: "production", upstream: { worker: "ECHO" } }, rootKey)).status,
    ).toBe(201);
    return rootKey;
  }
  const hostnamesOf = async (name: string, rootKey: string) =>
    (await api("environments.getEnvironment", { project: name, app: "web", environment: "production" }, rootKey)).body.data.hostnames as string[];

  it("two workspaces claim one name; nothing routes until one proves it over DoH; the owner wins and the squatter's claim is released", async () => {
    const squatter = await withApp("squatter");
    const owner = await withApp("owner");
    const domain = "shop.claims.example";
    const a = await api("domains.createDomain", { project: "squatter", app: "web", environment: "production", domain }, squatter);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    const b = await api("domains.createDomain", { project: "owner", app: "web", environment: "production", domain }, owner);
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    expect((await api("domains.getDomain", { domain }, squatter)).body.data.status).toBe("pending");
    // a pending claim routes nothing
    const before = await through(domain, "/");
    expect(before.status).toBe(404);
    expect(await hostnamesOf("squatter", squatter)).not.toContain(domain);
    // only the owner publishes its token
    const txt = b.body.data.dnsRecords.find((r: { type: string }) => r.type === "TXT");
    expect(txt.name).toBe(`_unkey.${domain}`);
    dns.setTxt(txt.name, [txt.value]);
    expect((await api("domains.verifyDomain", { domain }, squatter)).status).toBe(202);
    const failed = (await api("domains.getDomain", { domain }, squatter)).body.data;
    expect(failed.status).toBe("verifying");
    expect(failed.verificationError).toContain("does not contain");
    expect((await through(domain, "/")).status).toBe(404);
    expect((await api("domains.verifyDomain", { domain }, owner)).status).toBe(202);
    expect(dns.queries).toContain(`_unkey.${domain}`);
    expect((await api("domains.getDomain", { domain }, owner)).body.data.status).toBe("verified");
    // the owner's environment serves it; the squatter's claim is gone and cannot come back
    expect(await hostnamesOf("owner", owner)).toContain(domain);
    const routed = await through(domain, "/from-custom");
    expect(routed.status).toBe(200);
    expect(JSON.parse(routed.body).path).toBe("/from-custom");
    expect((await api("domains.getDomain", { domain }, squatter)).status).toBe(404);
    const again = await api("domains.createDomain", { project: "squatter", app: "web", environment: "production", domain }, squatter);
    expect(again.status).toBe(409);
    expect((await api("domains.verifyDomain", { domain }, owner)).status).toBe(412);
    // detaching stops routing
    expect((await api("domains.deleteDomain", { domain }, owner)).status).toBe(200);
    expect((await through(domain, "/")).status).toBe(404);
  });
});
