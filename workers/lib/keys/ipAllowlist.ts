/**
 * The API's IP allowlist: a comma-separated list set with apis.updateApi. Unkey compares each
 * trimmed entry to the caller's address as an exact string; we do that too and, as an
 * extension, accept CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`), matched numerically.
 */
type Range = { v6: boolean; base: bigint; bits: number };
type Parsed = { exact: Set<string>; ranges: Range[] };

// parsed lists by their source string; bounded because the set of APIs is small per isolate
const parsedLists = new Map<string, Parsed>();

function parseList(list: string): Parsed {
  let p = parsedLists.get(list);
  if (p) return p;
  p = { exact: new Set(), ranges: [] };
  for (const raw of list.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    p.exact.add(entry);
    const slash = entry.indexOf("/");
    if (slash < 0) continue;
    const addr = parseIp(entry.slice(0, slash));
    const bitsText = entry.slice(slash + 1);
    if (!addr || !/^\d{1,3}$/.test(bitsText)) continue;
    const bits = Number(bitsText);
    const width = addr.v6 ? 128 : 32;
    if (bits > width) continue;
    p.ranges.push({ v6: addr.v6, base: mask(addr.value, bits, width), bits });
  }
  if (parsedLists.size > 1000) parsedLists.clear();
  parsedLists.set(list, p);
  return p;
}

function mask(value: bigint, bits: number, width: number): bigint {
  if (bits === 0) return 0n;
  const shift = BigInt(width - bits);
  return (value >> shift) << shift;
}

function parseIpv4(s: string): bigint | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIpv6(input: string): bigint | null {
  let s = input;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  // an embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets
  const lastColon = s.lastIndexOf(":");
  if (lastColon >= 0 && s.slice(lastColon + 1).includes(".")) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

export function parseIp(s: string): { v6: boolean; value: bigint } | null {
  const t = s.trim();
  if (t.includes(":")) {
    const v = parseIpv6(t);
    return v === null ? null : { v6: true, value: v };
  }
  const v = parseIpv4(t);
  return v === null ? null : { v6: false, value: v };
}

/** Whether `ip` may call; an empty list allows everyone, an unknown caller address no one. */
export function ipAllowed(list: string | null | undefined, ip: string | null | undefined): boolean {
  if (!list || !list.trim()) return true;
  const p = parseList(list);
  if (p.exact.size === 0) return true;
  if (!ip) return false;
  const caller = ip.trim();
  if (p.exact.has(caller)) return true;
  if (p.ranges.length === 0) return false;
  const addr = parseIp(caller);
  if (!addr) return false;
  for (const r of p.ranges) {
    if (r.v6 === addr.v6) {
      if (mask(addr.value, r.bits, addr.v6 ? 128 : 32) === r.base) return true;
    } else if (r.v6 && !addr.v6) {
      // an IPv4 caller against an IPv4-mapped IPv6 range (::ffff:0:0/96)
      const mapped = (0xffffn << 32n) | addr.value;
      if (mask(mapped, r.bits, 128) === r.base) return true;
    }
  }
  return false;
}
