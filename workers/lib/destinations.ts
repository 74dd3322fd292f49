import ipaddr from "ipaddr.js";
import type { Upstream } from "../../schema/deploy";

/**
 * The destination policy: the one place that decides whether the platform may fetch a URL on a
 * tenant's behalf (Sentinel upstreams, the OpenAPI documents the openapi policy fetches from
 * them, webhook URLs, code deployments' outbound requests). It runs when a URL is stored (the
 * API answers 400 naming the field) and again right before each fetch (so rows written earlier,
 * or a changed var, cannot bypass it). It only sees the URL: a public name that resolves to a
 * private address is stopped below us (Cloudflare refuses private destinations; the local
 * runner sends tenant fetches through a public-only network).
 */
export interface DestinationEnv {
  /** "1": loopback destinations (only loopback, never private ranges) are allowed, for local development */
  ALLOW_LOCAL_DESTINATIONS?: string;
  /** the API's public origin: never a destination */
  API_BASE_URL?: string;
  /** generated Sentinel hostnames live under it: never a destination */
  SENTINEL_BASE_DOMAIN?: string;
  /** JSON list of the Sentinel service bindings that `{"worker": NAME}` upstreams may name */
  APP_WORKER_BINDINGS?: string;
}

export interface DestinationPolicy {
  allowLoopback: boolean;
  /** our own origins (the API's, the Sentinel's): refused by hostname, or by host:port when on loopback */
  ownOrigins: URL[];
  /** our own domains: the domain and every name under it are refused */
  ownDomains: string[];
}

/** Bindings of our own Workers: a Worker upstream never names one, whatever APP_WORKER_BINDINGS says. */
export const RESERVED_BINDINGS: ReadonlySet<string> = new Set([
  "API",
  "DB",
  "ANALYTICS_DB",
  "RATE_LIMITER",
  "USAGE_LIMITER",
  "ANALYTICS_QUEUE",
  "ANALYTICS_DLQ",
  "WEBHOOK_QUEUE",
  "WEBHOOK_DLQ",
  "AE_VERIFICATIONS",
  "AE_RATELIMITS",
  "ASSETS",
]);

/** Names that always mean a local or internal network, whatever DNS says. */
const LOCAL_SUFFIXES = ["local", "internal", "intranet", "lan", "home.arpa", "localdomain"];

export function destinationPolicy(env: DestinationEnv, ownUrls: (string | URL | null | undefined)[] = []): DestinationPolicy {
  const ownOrigins: URL[] = [];
  for (const u of [env.API_BASE_URL, ...ownUrls]) {
    if (!u) continue;
    try {
      ownOrigins.push(new URL(u));
    } catch {
      /* an unparsable var names nothing */
    }
  }
  const base = normaliseName(env.SENTINEL_BASE_DOMAIN || "localhost");
  return { allowLoopback: env.ALLOW_LOCAL_DESTINATIONS === "1", ownOrigins, ownDomains: base ? [base] : [] };
}

/** Lower case, brackets of IPv6 literals and trailing dots (`localhost.`) removed. */
function normaliseName(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.+$/, "");
}

const defaultPort = (u: URL) => u.port || (u.protocol === "https:" ? "443" : u.protocol === "http:" ? "80" : "");

type HostClass = "public" | "loopback" | "refused";

/** Is the host a public name or address, a loopback one, or refused (and why)? */
function classifyHost(host: string): { cls: HostClass; why?: string } {
  if (!host) return { cls: "refused", why: "has no host" };
  if (ipaddr.isValid(host)) {
    // WHATWG parsing already turned 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 into dotted IPv4;
    // ipaddr reads those spellings too, so an engine that did not is still caught.
    const addr = ipaddr.parse(host);
    const range = addr.range();
    // ::a.b.c.d (deprecated IPv4-compatible) embeds an IPv4 address some stacks still route
    if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0) && range === "unicast")
      return { cls: "refused", why: `is an IPv4-compatible IPv6 address (${host})` };
    if (range === "unicast") return { cls: "public" };
    if (range === "loopback") return { cls: "loopback", why: `is a loopback address (${host})` };
    return { cls: "refused", why: `is a ${range} address (${host}), not a public one` };
  }
  // a name whose last label is a number is an IPv4 spelling no parser agreed on: refuse it
  const last = host.split(".").pop() ?? "";
  if (/^(0x[0-9a-f]*|[0-9]+)$/i.test(last)) return { cls: "refused", why: `is a numeric host spelling (${host})` };
  if (host === "localhost" || host.endsWith(".localhost")) return { cls: "loopback", why: `is a loopback name (${host})` };
  if (!host.includes(".")) return { cls: "refused", why: `is a single-label name (${host}), which only resolves on a local network` };
  const suffix = LOCAL_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`));
  if (suffix) return { cls: "refused", why: `is a local-network name (.${suffix})` };
  if (!/^[a-z0-9.-]+$/.test(host)) return { cls: "refused", why: `is not a plain DNS name (${host})` };
  return { cls: "public" };
}

export type DestinationKind = "upstream" | "webhook";

/**
 * Why the platform may not fetch `raw` on a tenant's behalf, or null when it may. Upstreams:
 * http or https. Webhooks: https, or http to loopback under ALLOW_LOCAL_DESTINATIONS.
 */
export function destinationProblem(raw: string, policy: DestinationPolicy, kind: DestinationKind = "upstream"): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a valid URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `uses the scheme ${url.protocol.replace(/:$/, "")}; only http and https are allowed`;
  if (url.username || url.password) return "carries credentials (user:password@); put them in headers or variables instead";
  const host = normaliseName(url.hostname);
  const { cls, why } = classifyHost(host);
  if (cls === "refused") return `${why}`;
  if (cls === "loopback" && !policy.allowLoopback) return `${why}; loopback destinations are allowed only with ALLOW_LOCAL_DESTINATIONS=1 (local development)`;
  if (kind === "webhook" && url.protocol !== "https:" && cls !== "loopback") return "must use https";
  for (const own of policy.ownOrigins) {
    const ownHost = normaliseName(own.hostname);
    if (ownHost !== host) continue;
    // on loopback several servers share a name: only the same port is ours
    if (cls !== "loopback" || defaultPort(own) === defaultPort(url)) return `is this platform's own origin (${own.host})`;
  }
  for (const d of policy.ownDomains) {
    // with the local default base domain `localhost`, the bare name is plain loopback
    const apexIsOurs = !(d === "localhost" && host === d);
    if ((host === d && apexIsOurs) || host.endsWith(`.${d}`)) return `is under this platform's own domain (${d})`;
  }
  return null;
}

/** APP_WORKER_BINDINGS as a list; unset → null (the caller decides), unreadable → [] (nothing allowed). */
export function appWorkerBindings(env: DestinationEnv): string[] | null {
  if (env.APP_WORKER_BINDINGS === undefined || env.APP_WORKER_BINDINGS === null) return null;
  try {
    const v: unknown = JSON.parse(env.APP_WORKER_BINDINGS);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** Why a `{"worker": name}` upstream is refused, or null. `allowed` null: only our own names are refused. */
export function workerBindingProblem(name: string, allowed: string[] | null): string | null {
  if (RESERVED_BINDINGS.has(name)) return `names ${name}, a binding of the platform itself`;
  if (allowed && !allowed.includes(name)) return `names ${name}, which is not listed in APP_WORKER_BINDINGS`;
  return null;
}

/** Why the platform may not forward to this upstream, or null. */
export function upstreamProblem(upstream: Upstream, policy: DestinationPolicy, allowedBindings: string[] | null): string | null {
  if ("worker" in upstream) return workerBindingProblem(upstream.worker, allowedBindings);
  // a code deployment runs in our loader; its own fetches pass checkOutbound (deploy/outbound.ts)
  if ("bundle" in upstream) return null;
  return destinationProblem(upstream.url, policy, "upstream");
}

/**
 * The request-time check before forwarding (the Sentinel): the same policy, with the inbound
 * request's own origin as ours, and an unset APP_WORKER_BINDINGS allowing no Worker at all.
 */
export function forwardProblem(env: DestinationEnv, upstream: Upstream, inbound: URL): string | null {
  return upstreamProblem(upstream, destinationPolicy(env, [inbound.origin]), appWorkerBindings(env) ?? []);
}

/** Webhook URLs: https, or http to loopback under ALLOW_LOCAL_DESTINATIONS. */
export function webhookUrlProblem(raw: string, policy: DestinationPolicy): string | null {
  return destinationProblem(raw, policy, "webhook");
}
