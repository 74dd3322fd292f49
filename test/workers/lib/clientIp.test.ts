import { describe, expect, it } from "vitest";
import { clientIp } from "../../../workers/lib/clientIp";

const h = (o: Record<string, string>) => new Headers(o);

describe("clientIp", () => {
  it("takes CF-Connecting-IP and ignores a client's X-Forwarded-For without TRUSTED_PROXIES", () => {
    expect(clientIp(h({ "cf-connecting-ip": "203.0.113.7", "x-forwarded-for": "1.2.3.4" }))).toBe("203.0.113.7");
    expect(clientIp(h({ "x-forwarded-for": "1.2.3.4" }))).toBeNull();
    expect(clientIp(h({}))).toBeNull();
  });

  it("refuses a CF-Connecting-IP that is not an IP address", () => {
    expect(clientIp(h({ "cf-connecting-ip": "evil, 1.2.3.4" }))).toBeNull();
    expect(clientIp(h({ "cf-connecting-ip": "[2001:db8::1]:443" }))).toBe("2001:db8::1");
  });

  it("reads X-Forwarded-For right to left past trusted proxies only when the peer is trusted", () => {
    const vars = { TRUSTED_PROXIES: "10.0.0.0/8, 192.0.2.1" };
    // the peer is a trusted proxy: the first untrusted hop from the right is the client, a forged left part is ignored
    expect(clientIp(h({ "cf-connecting-ip": "10.0.0.5", "x-forwarded-for": "6.6.6.6, 198.51.100.9, 192.0.2.1" }), vars)).toBe("198.51.100.9");
    // the peer is not trusted: its X-Forwarded-For means nothing
    expect(clientIp(h({ "cf-connecting-ip": "198.51.100.20", "x-forwarded-for": "6.6.6.6" }), vars)).toBe("198.51.100.20");
    // only trusted hops: the leftmost one
    expect(clientIp(h({ "cf-connecting-ip": "10.0.0.5", "x-forwarded-for": "10.1.1.1" }), vars)).toBe("10.1.1.1");
    // garbage in the chain stops the walk at the last good hop
    expect(clientIp(h({ "cf-connecting-ip": "10.0.0.5", "x-forwarded-for": "6.6.6.6, nonsense" }), vars)).toBe("10.0.0.5");
    // a list of nothing trusts nobody
    expect(clientIp(h({ "cf-connecting-ip": "10.0.0.5", "x-forwarded-for": "6.6.6.6" }), { TRUSTED_PROXIES: " , " })).toBe("10.0.0.5");
    // no X-Forwarded-For from the trusted peer: the peer itself
    expect(clientIp(h({ "cf-connecting-ip": "10.0.0.5" }), vars)).toBe("10.0.0.5");
  });

  it("accepts a Request", () => {
    expect(clientIp(new Request("http://x/", { headers: { "cf-connecting-ip": "203.0.113.1" } }))).toBe("203.0.113.1");
  });
});
