import { Rejection } from "./errors";

/**
 * The one spelling of a request path that policies match and the app receives, so a path an
 * origin reads as `/admin` cannot slip past a rule on `/admin` (`//admin`, `/%61dmin`,
 * `/x/../admin`). RFC 3986 §6.2.2: percent-escapes of unreserved characters are decoded and the
 * rest written with upper-case hex, dot segments are resolved, and we also collapse repeated
 * slashes (many origins do). An encoded `/`, `\` or NUL is refused: origins disagree about what
 * it means, so no single spelling could be matched safely.
 */
const UNRESERVED = /[A-Za-z0-9\-._~]/;

export function normalisePath(pathname: string): string {
  if (/%(2f|5c|00)/i.test(pathname)) {
    throw new Rejection("client:invalid_path", "The request path contains an encoded '/', '\\' or NUL (%2F, %5C, %00), which the gateway does not accept.");
  }
  if (pathname.includes("\\") || pathname.includes("\0")) {
    throw new Rejection("client:invalid_path", "The request path contains a '\\' or NUL, which the gateway does not accept.");
  }
  const decoded = pathname.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
  });
  if (/%(?![0-9A-F]{2})/.test(decoded)) throw new Rejection("client:invalid_path", "The request path contains a malformed percent-escape.");
  return resolveDots(decoded.replace(/\/{2,}/g, "/"));
}

/** RFC 3986 §5.2.4 on a path of single slashes; the result always starts with `/`. */
function resolveDots(path: string): string {
  const segments = path.split("/").slice(1);
  const out: string[] = [];
  for (const [i, s] of segments.entries()) {
    const last = i === segments.length - 1;
    if (s === ".") {
      if (last) out.push("");
    } else if (s === "..") {
      out.pop();
      if (last) out.push("");
    } else out.push(s);
  }
  return `/${out.join("/")}`;
}

/**
 * The URL the app is sent: the normalised path (exactly what policies matched) and the query
 * without the parameters named in `drop` (the keyauth key), other parameters left byte for byte.
 */
export function forwardedUrl(inbound: URL, path: string, drop: ReadonlySet<string>): URL {
  const out = new URL(inbound);
  out.pathname = path;
  if (drop.size > 0 && out.search) {
    const kept = out.search
      .slice(1)
      .split("&")
      .filter((pair) => !drop.has(queryName(pair)));
    out.search = kept.length > 0 ? `?${kept.join("&")}` : "";
  }
  return out;
}

/** A query pair's name decoded exactly as URLSearchParams (and so the key lookup) decodes it. */
function queryName(pair: string): string {
  return new URLSearchParams(pair).keys().next().value ?? "";
}
