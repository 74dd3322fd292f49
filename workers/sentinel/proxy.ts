import type { Upstream } from "../../schema/deploy";
import { forwardProblem } from "../lib/destinations";
import { Rejection } from "./errors";
import { appWorkerBinding, type SentinelEnv } from "./env";
import type { DeploymentSnapshot } from "./routing";
import { codeWorker } from "./code";

/** The request deadline (sentinel-deploy §2.6); SENTINEL_REQUEST_TIMEOUT_MS overrides it. */
export const REQUEST_TIMEOUT_MS = 15 * 60 * 1000;

export function requestTimeout(env: SentinelEnv): number {
  const v = Number(env.SENTINEL_REQUEST_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? Math.min(v, REQUEST_TIMEOUT_MS) : REQUEST_TIMEOUT_MS;
}

/** Upstream URL for a request path: an origin may carry a base path. */
export function upstreamUrl(origin: string, inbound: URL): string {
  const base = new URL(origin);
  const basePath = base.pathname.replace(/\/+$/, "");
  return `${base.origin}${basePath}${inbound.pathname}${inbound.search}`;
}

/**
 * Sends the request to the deployment's upstream: an origin URL over fetch, or a Worker
 * service binding of this Sentinel (the inbound URL, and so its Host, is kept). Bodies stream
 * both ways; WebSocket upgrades come back as the upstream's 101. Failures map to 503 (could not
 * connect / no such binding), 504 (deadline) or 502 (broken while answering).
 */
export async function forward(
  env: SentinelEnv,
  snap: DeploymentSnapshot,
  inbound: URL,
  init: RequestInit & { headers: Headers },
  region = "",
): Promise<Response> {
  const upstream: Upstream = snap.upstream;
  // the destination policy again at request time (rows stored before it, a changed var)
  const refused = forwardProblem(env, upstream, inbound);
  if (refused) throw new Rejection("config:invalid_configuration", `The deployment's upstream is not an allowed destination: it ${refused}.`);
  const signal = AbortSignal.timeout(requestTimeout(env));
  let target: { fetch(r: Request): Promise<Response> };
  let url: string;
  if ("bundle" in upstream) {
    // a code deployment: run in this Sentinel's Worker Loader (workers/sentinel/code.ts)
    const app = await codeWorker(env, snap, upstream.bundle, region);
    const request = new Request(inbound.toString(), { ...init, redirect: "manual", signal });
    try {
      return await app.fetch(request);
    } catch (e) {
      throw classifyAppError(e);
    }
  }
  if ("worker" in upstream) {
    const binding = appWorkerBinding(env, upstream.worker);
    if (!binding) {
      throw new Rejection(
        "upstream:service_unavailable",
        `The Worker upstream '${upstream.worker}' is not bound to the Sentinel (add a service binding named ${upstream.worker} to wrangler.sentinel.toml).`,
      );
    }
    target = binding;
    url = inbound.toString();
  } else {
    target = { fetch: (r: Request) => fetch(r) };
    url = upstreamUrl(upstream.url, inbound);
  }
  const request = new Request(url, { ...init, redirect: "manual", signal });
  try {
    return await target.fetch(request);
  } catch (e) {
    throw classify(e);
  }
}

/** A code deployment that failed: it did not start (503) or it threw (500; the exception is in its runtime logs). */
export function classifyAppError(e: unknown): Rejection {
  if (e instanceof Rejection) return e;
  const err = e as Error & { name?: string };
  const msg = String(err?.message ?? e);
  if (err?.name === "TimeoutError") return new Rejection("upstream:gateway_timeout");
  if (/^Failed to start Worker/i.test(msg)) return new Rejection("upstream:service_unavailable", "The deployment's code could not be started.");
  return new Rejection("upstream:application_error");
}

export function classify(e: unknown): Rejection {
  const err = e as Error & { name?: string };
  const msg = String(err?.message ?? e);
  if (err?.name === "TimeoutError" || /timed? ?out|deadline/i.test(msg)) return new Rejection("upstream:gateway_timeout");
  if (/refused|ECONNREFUSED|unreachable|ENOTFOUND|DNS|getaddrinfo|connect|No such host|network connection lost before/i.test(msg)) {
    return new Rejection("upstream:service_unavailable", `The upstream could not be reached: ${msg}`);
  }
  if (/reset|closed|aborted|disconnected|lost/i.test(msg)) return new Rejection("upstream:bad_gateway", `The upstream connection broke: ${msg}`);
  return new Rejection("upstream:proxy_forward_failed", `The request could not be forwarded: ${msg}`);
}
