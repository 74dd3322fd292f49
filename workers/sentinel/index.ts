import { watchClient } from "./clientGone";
import type { GatewayRequestRow } from "../lib/analytics/messages";
import { baseDomain } from "../lib/deploy/hostnames";
import { newId } from "../lib/ids";
import type { SentinelEnv } from "./env";
import { Rejection, renderRejection } from "./errors";
import { runPolicies, type EngineResult } from "./engine";
import { encodePrincipal } from "./principal";
import { clientIp as clientIpOf } from "../lib/clientIp";
import { coloOf } from "../lib/colo";
import { forwardableHeaders, REFUSED_METHODS, responseHeaders, withoutReserved } from "./headers";
import { forwardedUrl, normalisePath } from "./path";
import { headerBytes, MAX_HEADER_BYTES } from "../lib/headerLimit";
import { limitHeaders } from "./ratelimitHeaders";
import { loadSnapshot, resolveRoute, routeTtl, type Route } from "./routing";
import { forward } from "./proxy";
import { headerLines, MAX_LOGGED_BODY, redactBody, redactedQuery } from "./redact";
import { cpuTimeOf } from "./runtimeLogs";
import { shipRequestLog } from "./requestLogBatch";
import { specFor } from "./specs";
import { validateRequest } from "./openapi";
import type { RequestFacts } from "./match";

/**
 * The Sentinel: a proxy Worker in front of deployed apps (sentinel-deploy §1–§2). Per request:
 * refuse what no app should get (TRACE/CONNECT, oversized headers, ambiguous paths), normalise
 * the path, strip reserved headers, route by Host, run the deployment's policies, forward with
 * the proxy headers (and the Principal after a successful keyauth), log the request.
 */
let frontlineId: string | undefined;
/** This isolate's id (random values are only allowed inside a handler). */
const FRONTLINE_ID = () => (frontlineId ??= newId("req", 8).replace("req_", "fl_"));

// code deployments: their outbound fetch and their log tail are entrypoints of this Worker
export { DeploymentOutbound } from "../lib/deploy/outbound";
export { RuntimeLogTail } from "./runtimeLogs";

export default {
  async fetch(request: Request, env: SentinelEnv, ctx: ExecutionContext): Promise<Response> {
    const started = Date.now();
    const requestId = newId("req", 12);
    const region = regionOf(request, env);
    const common = new Headers({ "X-Unkey-Frontline-Id": FRONTLINE_ID(), "X-Unkey-Region": region, "X-Unkey-Request-Id": requestId });
    const accept = request.headers.get("accept");
    try {
      return await handle(request, env, ctx, { started, requestId, region, common });
    } catch (e) {
      const r = e instanceof Rejection ? e : new Rejection("platform:internal_server_error");
      if (!(e instanceof Rejection)) console.error(`[${requestId}] sentinel failure`, e instanceof Error ? e.stack : e);
      return renderRejection(r, requestId, accept, common);
    }
  },
} satisfies ExportedHandler<SentinelEnv>;

interface Meta {
  started: number;
  requestId: string;
  region: string;
  common: Headers;
}

function regionOf(request: Request, env: SentinelEnv): string {
  return `cloudflare::${env.SENTINEL_REGION || coloOf(request) || "local"}`;
}

/** What the gateway refuses before routing: methods it never forwards, header blocks that are too large. */
function refuseEarly(request: Request) {
  const method = request.method.toUpperCase();
  if (REFUSED_METHODS.has(method)) {
    throw new Rejection("client:method_not_allowed", `The gateway does not forward ${method} requests.`, {
      Allow: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
    });
  }
  const size = headerBytes(request.headers);
  if (size > MAX_HEADER_BYTES)
    throw new Rejection("client:request_headers_too_large", `The request headers take ${size} bytes; the gateway accepts at most ${MAX_HEADER_BYTES}.`);
}

async function handle(request: Request, env: SentinelEnv, ctx: ExecutionContext, meta: Meta): Promise<Response> {
  refuseEarly(request);
  const url = new URL(request.url);
  const host = request.headers.get("host") ?? url.host;
  // 1. one spelling of the path for policies and the app; reserved headers (X-Unkey-*, X_Unkey_*) gone
  const path = normalisePath(url.pathname);
  const inbound = withoutReserved(request.headers);
  const clientIp = clientIpOf(request, env) ?? "";
  // 2. route
  const route = await resolveRoute(env.DB, host, baseDomain(env), routeTtl(env.SENTINEL_ROUTE_TTL_MS));
  const snap = await loadSnapshot(env.DB, route.deploymentId);
  const facts: RequestFacts = { method: request.method.toUpperCase(), path, url, headers: inbound };
  // 3. policies
  let bodySchema: Record<string, unknown> | null = null;
  const result = await runPolicies(
    { env, route, requestId: meta.requestId, clientIp, req: facts, now: Date.now, waitUntil: (p) => ctx.waitUntil(p) },
    snap.policies,
    async () => {
      const spec = await specFor(env, snap, url);
      if (spec) bodySchema = (await validateRequest(spec, facts, request)).bodySchema;
    },
  );
  // 4. forward
  const isUpgrade = (request.headers.get("upgrade") ?? "").toLowerCase() === "websocket";
  const upstreamHeaders = appHeaders(inbound, { snap, result, meta, host, url, clientIp, isUpgrade });
  const target = forwardedUrl(url, path, result.consumed.query);
  const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
  const logBody = result.logging.requestBody && hasBody && !isUpgrade;
  const forRequestLog = logBody ? request.clone() : null;
  const routed = Date.now();
  const res = await forward(env, snap, target, { method: request.method, headers: upstreamHeaders, body: hasBody ? request.body : undefined }, meta.region);
  const answered = Date.now();
  // 5. answer: the app's response as is, plus our headers
  const headers = responseHeaders(res.headers, res.status);
  meta.common.forEach((v, k) => {
    headers.set(k, v);
  });
  for (const [k, v] of Object.entries(limitHeaders(result.limit))) headers.set(k, v);
  // routing + policies, time spent in the gateway (total minus the upstream's share), total
  const total = answered - meta.started;
  headers.append("X-Unkey-Timing", `frontline_routing{scope=frontline}=${routed - meta.started}ms`);
  headers.append("X-Unkey-Timing", `frontline{scope=frontline}=${total - (answered - routed)}ms`);
  headers.append("X-Unkey-Timing", `total{scope=frontline}=${total}ms`);
  let body = res.body;
  let responseCopy: ReadableStream | null = null;
  if (result.logging.responseBody && body && res.status !== 101) [body, responseCopy] = body.tee();
  const watched = res.status === 101 ? { body, outcome: Promise.resolve(res.status) } : watchClient(body, res.status, request.signal);
  body = watched.body;
  const out =
    res.status === 101
      ? new Response(null, { status: 101, headers, webSocket: (res as Response & { webSocket?: WebSocket | null }).webSocket ?? null })
      : new Response(body, { status: res.status, statusText: res.statusText, headers });
  ctx.waitUntil(
    logRequest(env, {
      route,
      snapUpstream: snap.upstream,
      meta,
      facts,
      host,
      clientIp,
      result,
      status: watched.outcome,
      resHeaders: res.headers,
      answered,
      routed,
      forRequestLog,
      responseCopy,
      bodySchema,
    }).catch((e) => console.error(`[${meta.requestId}] request log failed`, e)),
  );
  return out;
}

/** Every header the app receives (docs/sentinel.md "What the app receives"). */
function appHeaders(
  inbound: Headers,
  o: { snap: { forwardUnderscoreHeaders: boolean }; result: EngineResult; meta: Meta; host: string; url: URL; clientIp: string; isUpgrade: boolean },
): Headers {
  const h = forwardableHeaders(inbound, { webSocket: o.isUpgrade, forwardUnderscoreHeaders: o.snap.forwardUnderscoreHeaders, drop: o.result.consumed.headers });
  // the address we determined, never a client's own X-Forwarded-For
  if (o.clientIp) h.set("X-Forwarded-For", o.clientIp);
  h.set("X-Forwarded-Host", o.host);
  h.set("X-Forwarded-Proto", o.url.protocol === "http:" ? "http" : "https");
  h.set("X-Unkey-Frontline-Id", FRONTLINE_ID());
  h.set("X-Unkey-Region", o.meta.region);
  h.set("X-Unkey-Request-Id", o.meta.requestId);
  if (o.result.principal) h.set("X-Unkey-Principal", encodePrincipal(o.result.principal));
  return h;
}

async function readCapped(stream: ReadableStream | null | undefined): Promise<string> {
  if (!stream) return "";
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_LOGGED_BODY) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(Math.min(size, MAX_LOGGED_BODY));
  let off = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, all.byteLength - off);
    all.set(c.subarray(0, take), off);
    off += take;
    if (off >= all.byteLength) break;
  }
  return new TextDecoder().decode(all);
}

function redactJsonText(text: string, schema: Record<string, unknown> | null): string {
  if (!schema || !text) return text;
  try {
    return JSON.stringify(redactBody(JSON.parse(text), schema, null));
  } catch {
    return text;
  }
}

async function logRequest(
  env: SentinelEnv,
  o: {
    route: Route;
    snapUpstream: import("../../schema/deploy").Upstream;
    meta: Meta;
    facts: RequestFacts;
    host: string;
    clientIp: string;
    result: EngineResult;
    status: Promise<number>;
    resHeaders: Headers;
    answered: number;
    routed: number;
    forRequestLog: Request | null;
    responseCopy: ReadableStream | null;
    bodySchema: Record<string, unknown> | null;
  },
) {
  const { result } = o;
  const flags = result.logging;
  // code deployments: CPU time from the loader tail of this request (cpu_time), null for other upstreams
  const cpuTime = "bundle" in o.snapUpstream ? cpuTimeOf(o.route.deploymentId, o.meta.requestId) : Promise.resolve(null);
  const q = redactedQuery(o.facts.url, result.redactQuery);
  const [status, requestBody, responseBody] = await Promise.all([
    o.status,
    flags.requestBody && o.forRequestLog ? readCapped(o.forRequestLog.body) : Promise.resolve(""),
    flags.responseBody ? readCapped(o.responseCopy) : Promise.resolve(""),
  ]);
  const total = o.answered - o.meta.started;
  const instance = o.answered - o.routed;
  const row: GatewayRequestRow = {
    request_id: o.meta.requestId,
    time: o.meta.started,
    workspace_id: o.route.workspaceId,
    project_id: o.route.projectId,
    app_id: o.route.appId,
    environment_id: o.route.environmentId,
    deployment_id: o.route.deploymentId,
    instance_id:
      "worker" in o.snapUpstream ? `worker:${o.snapUpstream.worker}` : "bundle" in o.snapUpstream ? `code:${FRONTLINE_ID()}` : new URL(o.snapUpstream.url).host,
    region: o.meta.region,
    method: o.facts.method,
    host: o.host.replace(/:\d+$/, ""),
    path: o.facts.path,
    query_string: flags.query ? q.queryString : "",
    query_params: flags.query ? JSON.stringify(q.params) : "{}",
    request_headers: flags.requestHeaders ? JSON.stringify(headerLines(o.facts.headers, result.redactHeaders)) : "[]",
    request_body: redactJsonText(requestBody, o.bodySchema),
    response_status: status,
    response_headers: flags.responseHeaders ? JSON.stringify(headerLines(o.resHeaders, new Set())) : "[]",
    response_body: responseBody,
    user_agent: flags.requestHeaders ? (o.facts.headers.get("user-agent") ?? "") : "",
    ip_address: flags.requestHeaders ? o.clientIp : "",
    total_latency: total,
    instance_latency: instance,
    gateway_latency: total - instance,
    cpu_time: await cpuTime,
  };
  await shipRequestLog(env.API, row);
}
