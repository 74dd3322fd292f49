/**
 * Header hygiene of the Sentinel: what a client may not send us (reserved names) and what we
 * never pass on to the app (hop-by-hop headers, client-made forwarding headers, header names
 * with `_`, the key a keyauth policy consumed).
 */

/** `X-Unkey-*` in any spelling a server framework reads as such: case-insensitive, `_` as `-`. */
export function isReservedHeader(name: string): boolean {
  return name.toLowerCase().replace(/_/g, "-").startsWith("x-unkey-");
}

/** The request as policies see it: every reserved header removed (sentinel-deploy §1.1 stage 2). */
export function withoutReserved(headers: Headers): Headers {
  const out = new Headers();
  headers.forEach((v, k) => {
    if (!isReservedHeader(k)) out.append(k, v);
  });
  return out;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1, plus the non-standard Proxy-Connection): meant for us, not the app. */
const HOP_BY_HOP = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy-authorization",
  "proxy-authenticate",
]);

/**
 * Forwarding headers a client could forge; the Sentinel sets X-Forwarded-For/-Host/-Proto itself
 * from what it determined, so nothing a client wrote here reaches the app as if we vouched for it.
 */
const CLIENT_FORWARDING = new Set(["forwarded", "x-real-ip", "true-client-ip", "x-client-ip", "cf-connecting-ip", "x-original-forwarded-for"]);

export interface ForwardOptions {
  /** a WebSocket handshake keeps `Connection: Upgrade` and `Upgrade: websocket` */
  webSocket: boolean;
  /** the app's runtime setting `forwardUnderscoreHeaders`: pass names containing `_` */
  forwardUnderscoreHeaders: boolean;
  /** lower-cased names never to forward (the keyauth key's header) */
  drop: ReadonlySet<string>;
}

/** The headers the app receives, before the Sentinel's own are added. */
export function forwardableHeaders(inbound: Headers, o: ForwardOptions): Headers {
  const named = connectionTokens(inbound.get("connection"));
  const out = new Headers();
  inbound.forEach((v, k) => {
    const n = k.toLowerCase();
    if (n === "host" || HOP_BY_HOP.has(n) || named.has(n) || CLIENT_FORWARDING.has(n) || n.startsWith("x-forwarded-") || o.drop.has(n)) return;
    if (isReservedHeader(n)) return;
    if (!o.forwardUnderscoreHeaders && n.includes("_")) return;
    out.append(k, v);
  });
  if (o.webSocket) {
    out.set("connection", "Upgrade");
    out.set("upgrade", "websocket");
  }
  return out;
}

/** An upstream response's headers without hop-by-hop ones (a 101 keeps its upgrade headers). */
export function responseHeaders(upstream: Headers, status: number): Headers {
  const named = connectionTokens(upstream.get("connection"));
  const out = new Headers();
  upstream.forEach((v, k) => {
    const n = k.toLowerCase();
    // a 101 keeps its upgrade headers; framing (transfer-encoding) stays the runtime's business
    const kept = (status === 101 && (n === "connection" || n === "upgrade")) || n === "transfer-encoding" || !(HOP_BY_HOP.has(n) || named.has(n));
    if (kept) out.append(k, v);
  });
  return out;
}

function connectionTokens(value: string | null): Set<string> {
  return new Set(
    (value ?? "")
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** `TRACE` echoes requests (credentials included) and `CONNECT` asks for a tunnel: a gateway does neither. */
export const REFUSED_METHODS = new Set(["TRACE", "TRACK", "CONNECT"]);
