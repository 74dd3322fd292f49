import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ipAllowed, parseIp } from "../../../../workers/lib/keys/ipAllowlist";

describe("IP allowlist matching", () => {
  it("allows everyone when the list is empty or blank", () => {
    expect(ipAllowed(null, "1.2.3.4")).toBe(true);
    expect(ipAllowed("", null)).toBe(true);
    expect(ipAllowed("  ,  ", "1.2.3.4")).toBe(true);
  });

  it("compares plain entries as exact, trimmed strings", () => {
    expect(ipAllowed(" 1.2.3.4 ,5.6.7.8", "1.2.3.4")).toBe(true);
    expect(ipAllowed("1.2.3.4", " 1.2.3.4 ")).toBe(true);
    expect(ipAllowed("1.2.3.4", "1.2.3.5")).toBe(false);
    // exact string matching, as observed at Unkey: another spelling of the address is another entry
    expect(ipAllowed("2001:db8::1", "2001:0db8:0:0:0:0:0:1")).toBe(false);
    expect(ipAllowed("1.2.3.4", null)).toBe(false);
  });

  it("matches IPv4 and IPv6 CIDR ranges, including their edges", () => {
    expect(ipAllowed("192.168.0.0/16", "192.168.0.0")).toBe(true);
    expect(ipAllowed("192.168.0.0/16", "192.168.255.255")).toBe(true);
    expect(ipAllowed("192.168.0.0/16", "192.169.0.0")).toBe(false);
    expect(ipAllowed("10.1.2.3/32", "10.1.2.3")).toBe(true);
    expect(ipAllowed("10.1.2.3/32", "10.1.2.4")).toBe(false);
    expect(ipAllowed("0.0.0.0/0", "8.8.8.8")).toBe(true);
    expect(ipAllowed("0.0.0.0/0", "::1")).toBe(false);
    expect(ipAllowed("2001:db8::/32", "2001:db8:ffff:ffff::1")).toBe(true);
    expect(ipAllowed("2001:db8::/32", "2001:db9::1")).toBe(false);
    expect(ipAllowed("::/0", "fe80::1%eth0")).toBe(true);
    expect(ipAllowed("::ffff:0:0/96", "203.0.113.9")).toBe(true);
  });

  it("ignores malformed ranges instead of failing", () => {
    for (const entry of ["10.0.0.0/33", "10.0.0/8", "2001:db8::/129", "abc/8", "1.2.3.4/x", "::1::2/64"]) {
      expect(ipAllowed(entry, "10.0.0.1"), entry).toBe(false);
    }
    expect(ipAllowed("10.0.0.0/33, 10.0.0.0/8", "10.0.0.1")).toBe(true);
  });

  it("parses every IPv4 address and its IPv6 forms consistently", () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const v4 = parseIp(ip);
        expect(v4).not.toBeNull();
        expect(ipAllowed(`${ip}/32`, ip)).toBe(true);
        expect(parseIp(`::ffff:${ip}`)!.value).toBe((0xffffn << 32n) | v4!.value);
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        expect(parseIp(ip), ip).not.toBeNull();
        expect(ipAllowed(`${ip}/128`, ip), ip).toBe(true);
      }),
    );
  });
});
