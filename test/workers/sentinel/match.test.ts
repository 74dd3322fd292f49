import { describe, expect, it } from "vitest";
import { policyMatches, stringMatches, type RequestFacts } from "../../../workers/sentinel/match";
import { extractKey, identifierPart } from "../../../workers/sentinel/engine";

const facts = (url: string, headers: Record<string, string> = {}, method = "GET"): RequestFacts => {
  const u = new URL(url);
  return { method, path: u.pathname, url: u, headers: new Headers(headers) };
};

describe("policy match conditions", () => {
  it("matches strings exactly, by prefix or by unanchored regex, optionally ignoring case", () => {
    expect(stringMatches({ exact: "/a" }, "/a")).toBe(true);
    expect(stringMatches({ exact: "/A", ignoreCase: true }, "/a")).toBe(true);
    expect(stringMatches({ prefix: "/api" }, "/api/v1")).toBe(true);
    expect(stringMatches({ prefix: "/API" }, "/api/v1")).toBe(false);
    expect(stringMatches({ regex: "v[0-9]+" }, "/api/v12/x")).toBe(true);
    expect(stringMatches({ regex: "^/admin$", ignoreCase: true }, "/ADMIN")).toBe(true);
  });

  it("matches regexes with RE2 in linear time: a backtracking pattern on a long path just answers", () => {
    const long = `/${"a".repeat(50_000)}!`;
    expect(stringMatches({ regex: "^/(a+)+$" }, long)).toBe(false);
    expect(stringMatches({ regex: "^/(a+)+$" }, "/aaaa")).toBe(true);
    expect(stringMatches({ regex: "(x+x+)+y" }, "x".repeat(20_000))).toBe(false);
    expect(stringMatches({ regex: "(?i)^/admin" }, "/ADMIN/x")).toBe(true);
  });

  it("ANDs conditions; an empty list matches everything", () => {
    const req = facts("https://h.localhost/admin/x?debug=1&debug=2", { "X-Tenant": "acme" }, "POST");
    expect(policyMatches(undefined, req)).toBe(true);
    expect(policyMatches([{ path: { path: { prefix: "/admin" } } }, { method: { methods: ["POST"] } }], req)).toBe(true);
    expect(policyMatches([{ path: { path: { prefix: "/admin" } } }, { method: { methods: ["GET"] } }], req)).toBe(false);
    expect(policyMatches([{ header: { name: "x-tenant", value: { exact: "acme" } } }], req)).toBe(true);
    expect(policyMatches([{ header: { name: "x-missing", present: true } }], req)).toBe(false);
    expect(policyMatches([{ queryParam: { name: "debug", value: { exact: "2" } } }], req)).toBe(true);
    // query names are case-sensitive, header names are not
    expect(policyMatches([{ queryParam: { name: "DEBUG", present: true } }], req)).toBe(false);
    expect(policyMatches([{ header: { name: "X-TENANT", present: true } }], req)).toBe(true);
  });
});

describe("keyauth locations", () => {
  it("tries locations in order and takes the first non-empty", () => {
    const req = facts("https://h/x?key=fromquery", { authorization: "bearer abc", "x-key": "Token xyz" });
    expect(extractKey(undefined, req)).toBe("abc");
    expect(extractKey([{ header: { name: "x-key", stripPrefix: "Token " } }], req)).toBe("xyz");
    expect(extractKey([{ header: { name: "x-key", stripPrefix: "Key " } }, { queryParam: { name: "key" } }], req)).toBe("fromquery");
    expect(extractKey([{ bearer: {} }], facts("https://h/x", { authorization: "Basic abc" }))).toBeNull();
  });
});

describe("rate-limit identifiers", () => {
  it("resolve from IP, header, path and the Principal", () => {
    const req = facts("https://h/orders", { "x-org": "o1" });
    const principal = {
      version: "v1" as const,
      subject: "user_1",
      type: "API_KEY" as const,
      source: { key: { keyId: "key_1", keySpaceId: "ks_1", meta: { org: "acme" } } },
    };
    const ctx = { clientIp: "1.2.3.4", req };
    expect(identifierPart({ remoteIp: {} }, ctx, null)).toBe("1.2.3.4");
    expect(identifierPart({ header: { name: "x-org" } }, ctx, null)).toBe("o1");
    expect(identifierPart({ path: {} }, ctx, null)).toBe("/orders");
    expect(identifierPart({ authenticatedSubject: {} }, ctx, principal)).toBe("user_1");
    expect(identifierPart({ authenticatedSubject: {} }, ctx, null)).toBeUndefined();
    expect(identifierPart({ principalField: { path: "source.key.meta.org" } }, ctx, principal)).toBe("acme");
  });
});
