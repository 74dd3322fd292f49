import { WorkerEntrypoint } from "cloudflare:workers";

/**
 * Outbound requests of code deployments (runtime setting outboundNetwork = "public"): the
 * loader's `globalOutbound` is this entrypoint, so every `fetch()` the app makes passes the
 * destination policy first. With outboundNetwork = "none" the app gets no outbound at all
 * (globalOutbound null).
 *
 * LEAD: `checkOutboundDestination` is the one place to point at the shared destination policy
 * (workers/lib/destinations.ts, being written on another branch). Until then it applies a
 * minimal version of it: http(s) only; no loopback, private, link-local or metadata addresses,
 * no `localhost` names, no hosts of this platform (SENTINEL_BASE_DOMAIN); ALLOW_LOCAL_DESTINATIONS=1
 * allows loopback (local development and tests).
 */
export interface OutboundEnv {
  SENTINEL_BASE_DOMAIN?: string;
  ALLOW_LOCAL_DESTINATIONS?: string;
}

export function checkOutboundDestination(url: URL, env: OutboundEnv): string | null {
  if (url.protocol !== "http:" && url.protocol !== "https:") return `only http(s) destinations are allowed, not ${url.protocol}`;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  const allowLoopback = env.ALLOW_LOCAL_DESTINATIONS === "1";
  const loopback = host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "::1" || host === "0.0.0.0";
  if (loopback) return allowLoopback ? null : `${host} is a loopback address`;
  if (/^(10\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.|0\.)/.test(host)) return `${host} is a private address`;
  if (/^(f[cd][0-9a-f]{2}:|fe80:|::ffff:)/.test(host)) return `${host} is a private address`;
  const base = (env.SENTINEL_BASE_DOMAIN ?? "localhost").toLowerCase();
  if (host === base || host.endsWith("." + base)) return `${host} is a host of this platform`;
  return null;
}

/** The app's outbound fetch: refused destinations answer 403 with a reason, others go out. */
export class DeploymentOutbound extends WorkerEntrypoint<OutboundEnv> {
  async fetch(request: Request): Promise<Response> {
    const refused = checkOutboundDestination(new URL(request.url), this.env);
    if (refused) return new Response(`Outbound request refused by the platform's destination policy: ${refused}.`, { status: 403, headers: { "x-unkey-outbound": "refused" } });
    return fetch(request);
  }
}
