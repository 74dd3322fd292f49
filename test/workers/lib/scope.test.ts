import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createScope } from "../../../workers/lib/scope";
import type { Env } from "../../../workers/lib/env";

const request = (headers: Record<string, string>) => new Request("http://api.test/v2/keys.verifyKey", { method: "POST", headers });

describe("request scope", () => {
  it("reads the caller's address, user agent and region from the request only when asked (the address once)", () => {
    let reads = 0;
    const req = request({ "cf-connecting-ip": "203.0.113.7", "user-agent": "sdk/1" });
    const get = req.headers.get.bind(req.headers);
    req.headers.get = (name: string) => (reads++, get(name));
    const scope = createScope({ env: env as Env, waitUntil: () => {}, requestId: "req_1", request: req });
    expect(reads).toBe(0);
    expect(scope.callerIp).toBe("203.0.113.7");
    const afterIp = reads;
    expect(scope.callerIp).toBe("203.0.113.7");
    expect(reads).toBe(afterIp);
    expect(scope.userAgent).toBe("sdk/1");
    expect(scope.region).toBeUndefined();
    expect(scope.actor).toEqual({ kind: "anonymous" });
  });

  it("trusts X-Forwarded-For only behind TRUSTED_PROXIES, as lib/clientIp does", () => {
    const headers = { "cf-connecting-ip": "10.0.0.1", "x-forwarded-for": "198.51.100.4" };
    const plain = createScope({ env: env as Env, waitUntil: () => {}, requestId: "r", request: request(headers) });
    expect(plain.callerIp).toBe("10.0.0.1");
    const proxied = createScope({ env: { ...(env as Env), TRUSTED_PROXIES: "10.0.0.0/8" }, waitUntil: () => {}, requestId: "r", request: request(headers) });
    expect(proxied.callerIp).toBe("198.51.100.4");
  });

  it("takes the address an RPC caller names instead of a request", () => {
    const scope = createScope({ env: env as Env, waitUntil: () => {}, requestId: "r", callerIp: "192.0.2.1", userAgent: null });
    expect(scope.callerIp).toBe("192.0.2.1");
    expect(scope.userAgent).toBeNull();
    expect(createScope({ env: env as Env, waitUntil: () => {}, requestId: "r" }).callerIp).toBeNull();
  });

  it("builds its cache and drizzle once per scope", async () => {
    const pending: Promise<unknown>[] = [];
    const scope = createScope({ env: env as Env, waitUntil: (p) => pending.push(p), requestId: "r" });
    expect(scope.cache).toBe(scope.cache);
    const loaded = await scope.cache.swr("ratelimitNamespace", `scope-test:${crypto.randomUUID()}`, async () => ({ id: "rlns_x", name: "x", deleted: false }));
    expect(loaded).toEqual({ id: "rlns_x", name: "x", deleted: false });
    await Promise.all(pending);
    expect(scope.db).toBe(scope.db);
  });
});
