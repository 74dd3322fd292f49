import { describe, expect, it } from "vitest";
import { buildPrincipal, encodePrincipal } from "../../../workers/sentinel/principal";
import { limitHeaders, mergeLimit } from "../../../workers/sentinel/ratelimitHeaders";
import { routeKeyForHost } from "../../../workers/lib/deploy/hostnames";

describe("Principal", () => {
  it("uses the identity's external id as subject and omits empty parts", () => {
    const p = buildPrincipal({
      keyspaceId: "ks_1",
      result: {
        valid: true,
        code: "VALID",
        keyId: "key_1",
        enabled: true,
        meta: { a: 1 },
        roles: ["admin"],
        permissions: [],
        identity: { id: "id_1", externalId: "user_42" },
      },
    });
    expect(p).toEqual({
      version: "v1",
      subject: "user_42",
      type: "API_KEY",
      identity: { externalId: "user_42", meta: {} },
      source: { key: { keyId: "key_1", keySpaceId: "ks_1", meta: { a: 1 }, roles: ["admin"] } },
    });
    const anon = buildPrincipal({ keyspaceId: "ks_1", result: { valid: true, code: "VALID", keyId: "key_2", credits: 0, expires: 5 } });
    expect(anon).toEqual({
      version: "v1",
      subject: "key_2",
      type: "API_KEY",
      source: { key: { keyId: "key_2", keySpaceId: "ks_1", expiresAt: 5, credits: 0, meta: {} } },
    });
    expect(Object.keys(JSON.parse(encodePrincipal(p)))).toEqual(["version", "subject", "type", "identity", "source"]);
  });

  it("is one line of JSON with <, > and & escaped", () => {
    const p = buildPrincipal({ keyspaceId: "ks", result: { valid: true, code: "VALID", keyId: "k", meta: { html: "<b>&</b>" } } });
    const s = encodePrincipal(p);
    expect(s).not.toMatch(/[<>&\n]/);
    expect(JSON.parse(s).source.key.meta.html).toBe("<b>&</b>");
  });
});

describe("rate-limit headers", () => {
  it("keep the most restrictive answer: a denial beats a pass, then the lower remaining", () => {
    const pass = { limit: 10, remaining: 5, reset: 60_000, denied: false };
    const lower = { limit: 10, remaining: 2, reset: 30_000, denied: false };
    const deny = { limit: 3, remaining: 0, reset: 10_000, denied: true };
    expect(mergeLimit(mergeLimit(null, pass), lower)).toBe(lower);
    expect(mergeLimit(deny, lower)).toBe(deny);
    expect(mergeLimit(lower, deny)).toBe(deny);
    expect(mergeLimit(deny, { ...deny, reset: 20_000 }).reset).toBe(20_000);
    expect(limitHeaders(deny, 8_500)).toEqual({ "X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "10", "Retry-After": "2" });
    expect(limitHeaders(pass)["Retry-After"]).toBeUndefined();
  });
});

describe("host routing keys", () => {
  it("strips the port and the base domain; custom domains stay whole", () => {
    expect(routeKeyForHost("proj-app-w1.localhost:8788", "localhost")).toBe("proj-app-w1");
    expect(routeKeyForHost("PROJ-APP-W1.example.dev", "example.dev")).toBe("proj-app-w1");
    expect(routeKeyForHost("api.customer.com", "localhost")).toBe("api.customer.com");
    expect(routeKeyForHost("a.b.localhost", "localhost")).toBeNull();
    expect(routeKeyForHost("localhost:8788", "localhost")).toBeNull();
  });
});
