import { describe, expect, it } from "vitest";
import { forwardableHeaders, isReservedHeader, responseHeaders, withoutReserved } from "../../../workers/sentinel/headers";

const names = (h: Headers) => [...h.keys()].sort();
const base = { webSocket: false, forwardUnderscoreHeaders: false, drop: new Set<string>() };

describe("reserved headers", () => {
  it("treats every case and `_` spelling of X-Unkey-* as reserved", () => {
    for (const n of ["X-Unkey-Principal", "x_unkey_principal", "X_Unkey-Principal", "X-UNKEY_PRINCIPAL", "x-unkey-anything"])
      expect(isReservedHeader(n), n).toBe(true);
    for (const n of ["x-unkeyprincipal", "unkey-principal", "x-un_key-principal"]) expect(isReservedHeader(n), n).toBe(false);
  });

  it("removes them before policies see the request", () => {
    const h = new Headers({ X_Unkey_Principal: "forged", "X-Unkey-Principal": "forged", "x-app": "1" });
    expect(names(withoutReserved(h))).toEqual(["x-app"]);
  });
});

describe("forwardableHeaders", () => {
  it("drops hop-by-hop headers and those Connection names (RFC 9110 §7.6.1)", () => {
    const h = new Headers({
      connection: "keep-alive, X-Hop",
      "x-hop": "1",
      "keep-alive": "timeout=5",
      "proxy-connection": "keep-alive",
      "proxy-authorization": "Basic eDp5",
      te: "trailers",
      trailer: "x-t",
      upgrade: "h2c",
      "transfer-encoding": "chunked",
      host: "a.localhost",
      "x-app": "kept",
    });
    expect(names(forwardableHeaders(h, base))).toEqual(["x-app"]);
  });

  it("keeps exactly the WebSocket upgrade headers for a WebSocket handshake", () => {
    const h = new Headers({ connection: "Upgrade, x-hop", upgrade: "websocket", "x-hop": "1", "sec-websocket-key": "k" });
    const out = forwardableHeaders(h, { ...base, webSocket: true });
    expect(Object.fromEntries(out)).toEqual({ connection: "Upgrade", upgrade: "websocket", "sec-websocket-key": "k" });
  });

  it("drops client-made forwarding headers (the Sentinel sets its own)", () => {
    const h = new Headers({
      "x-forwarded-for": "6.6.6.6",
      "x-forwarded-host": "evil",
      forwarded: "for=6.6.6.6",
      "x-real-ip": "6.6.6.6",
      "true-client-ip": "6.6.6.6",
      "cf-connecting-ip": "6.6.6.6",
      "x-app": "1",
    });
    expect(names(forwardableHeaders(h, base))).toEqual(["x-app"]);
  });

  it("drops header names with `_` unless forwardUnderscoreHeaders, and reserved names always", () => {
    const h = new Headers({ my_header: "1", x_unkey_principal: "forged", "x-app": "1" });
    expect(names(forwardableHeaders(h, base))).toEqual(["x-app"]);
    expect(names(forwardableHeaders(h, { ...base, forwardUnderscoreHeaders: true }))).toEqual(["my_header", "x-app"]);
  });

  it("drops the headers a keyauth policy read its key from", () => {
    const h = new Headers({ authorization: "Bearer sk_1", "x-api-key": "sk_2", "x-app": "1" });
    expect(names(forwardableHeaders(h, { ...base, drop: new Set(["authorization", "x-api-key"]) }))).toEqual(["x-app"]);
  });
});

describe("responseHeaders", () => {
  it("drops hop-by-hop headers of the app's answer, except a 101's upgrade", () => {
    const h = new Headers({ connection: "close, x-hop", "x-hop": "1", "keep-alive": "5", "content-type": "text/plain" });
    expect(names(responseHeaders(h, 200))).toEqual(["content-type"]);
    expect(names(responseHeaders(new Headers({ connection: "Upgrade", upgrade: "websocket" }), 101))).toEqual(["connection", "upgrade"]);
  });
});
