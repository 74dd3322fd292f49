import { ipAllowed, parseIp } from "./keys/ipAllowlist";

/**
 * The one place that decides a request's client address (API and Sentinel alike).
 *
 * - `CF-Connecting-IP` is the peer: on Cloudflare the edge sets it (a client's own value never
 *   survives), and the local runner overwrites it from the socket address.
 * - `X-Forwarded-For` is read only when the operator names trusted proxies in `TRUSTED_PROXIES`
 *   (comma-separated IPs / CIDR ranges) and the peer is one of them: walked right to left, the
 *   first hop that is not a trusted proxy is the client. Without `TRUSTED_PROXIES` a client's
 *   `X-Forwarded-For` is ignored, so nobody chooses their own address.
 *
 * Answers null when there is no usable address (never a string a client made up).
 */
export interface ClientIpVars {
  TRUSTED_PROXIES?: string;
}

type HeaderSource = Headers | { get(name: string): string | null | undefined };

export function clientIp(source: Request | HeaderSource, vars: ClientIpVars = {}): string | null {
  const headers = source instanceof Request ? source.headers : source;
  const peer = validIp(headers.get("cf-connecting-ip"));
  if (!peer) return null;
  // an empty list (or only commas) trusts no one; ipAllowed would read it as "everyone"
  const trusted = vars.TRUSTED_PROXIES?.trim();
  if (!trusted || !/[^,\s]/.test(trusted) || !ipAllowed(trusted, peer)) return peer;
  const hops = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = validIp(hops[i]);
    // an unparseable hop was written by someone we do not trust: stop at the last good one
    if (!hop) break;
    client = hop;
    if (!ipAllowed(trusted, hop)) break;
  }
  return client;
}

/** The address without brackets or port, when it is an IP address at all. */
function validIp(raw: string | null | undefined): string | null {
  let s = raw?.trim();
  if (!s) return null;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed) s = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(":"));
  return parseIp(s) ? s : null;
}
