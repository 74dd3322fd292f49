import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../lib/env";
import { createApp } from "./app";
import { deleteUnreferencedBundles } from "../lib/deploy/bundle";
import { verifyKeyRpc, type RpcVerifyKeyInput } from "./rpc/verifyKey";
import { consumeAnalyticsBatch, enforceAnalyticsRetention } from "../lib/analytics/consumer";
import { gatewayVerifyKey, type GatewayVerifyInput } from "./rpc/gatewayVerifyKey";
import { shipGatewayRequests } from "../lib/deploy/requestLog";
import { deploymentEnv } from "../lib/deploy/appEnv";
import { shipRuntimeLogs } from "../lib/deploy/runtimeLogs";
import { limitRpc, type RpcLimitInput } from "./rpc/limit";
import { newId } from "../lib/ids";
import { createScope, type RequestScope } from "../lib/scope";
import { consumeWebhookBatch, webhookHousekeeping } from "../lib/webhooks/deliver";
import { emitExpiryEvents } from "../lib/webhooks/expiry";

export { UsageLimiter } from "../../durable-objects/UsageLimiter";
export { RateLimiter } from "../../durable-objects/RateLimiter";
// the outbound of code deployments during the health probe (lib/deploy/build.ts)
export { DeploymentOutbound } from "../lib/deploy/outbound";

const app = createApp();

/**
 * The API Worker. `fetch` serves HTTP; other Workers bind to `ApiEntrypoint` (below) and call
 * its methods over a service binding, with no HTTP hop.
 */
export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    return app.fetch(normalizeContentType(request), env, ctx);
  },
  /** The analytics Queue (lib/analytics/consumer) and the webhook delivery Queue (lib/webhooks/deliver). */
  async queue(batch: MessageBatch<unknown>, env: Env) {
    if (batch.queue.startsWith("keyforge-webhooks")) await consumeWebhookBatch(batch, env);
    else await consumeAnalyticsBatch(batch, env);
  },
  /** Cron triggers (wrangler.toml): analytics retention, key expiry webhooks, webhook housekeeping. */
  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext) {
    ctx.waitUntil(enforceAnalyticsRetention(env));
    ctx.waitUntil(
      deleteUnreferencedBundles(env).then(
        () => undefined,
        (e) => console.error("bundle cleanup failed", e),
      ),
    );
    ctx.waitUntil(emitExpiryEvents(env).then(() => webhookHousekeeping(env)));
  },
} satisfies ExportedHandler<Env>;

/**
 * RPC surface for service bindings: `env.API.verifyKey({...})` from another Worker. Each method
 * builds its request scope and hands it to an adapter in ./rpc/ (the RPC twin of a route).
 */
export class ApiEntrypoint extends WorkerEntrypoint<Env> {
  /** One scope per call. */
  private scope(requestId: string = newId("req", 12)): RequestScope {
    return createScope({
      env: this.env,
      waitUntil: (p) => this.ctx.waitUntil(p),
      requestId,
      actor: { kind: "system", name: "service-binding" },
      callerIp: null,
      userAgent: null,
    });
  }

  async liveness() {
    return { message: "OK" };
  }

  /**
   * keys.verifyKey without an HTTP hop: the same input as the HTTP body plus `rootKey` (and
   * optionally the end user's `ip` and an `idempotencyKey`); answers with the HTTP envelope,
   * `{ meta, data }` or `{ meta, error }`.
   */
  async verifyKey(input: RpcVerifyKeyInput) {
    return verifyKeyRpc(this.scope(), input);
  }

  /** The Sentinel's keyauth policy: verify for a route's workspace, limited to the policy's keyspaces. */
  async gatewayVerifyKey(input: GatewayVerifyInput) {
    // the Sentinel's request id, so its logs and the verification event match
    return gatewayVerifyKey(this.scope(typeof input?.requestId === "string" && input.requestId ? input.requestId : undefined), input);
  }

  /**
   * One sliding-window rate-limit check on the RateLimiter objects, for other Workers (the
   * Sentinel's ratelimit policy): `{ workspaceId, namespace, identifier, limit, duration, cost? }`
   * → `{ success, limit, remaining, reset, overrideId? }`; an `rlns_…` namespace's overrides apply.
   * See workers/api/rpc/limit.ts.
   */
  async limit(input: RpcLimitInput) {
    // the rate-limit event carries the caller's request id, or none
    return limitRpc(this.scope(typeof input?.requestId === "string" ? input.requestId : ""), input);
  }

  /**
   * A code deployment's env (decrypted variables + system variables), for the Sentinel when it
   * first loads the deployment in an isolate; the Sentinel never holds ENCRYPTION_KEYS.
   * `{ ok: false, error }` when a variable does not decrypt: the deployment must not start.
   */
  async deploymentEnv(deploymentId: string) {
    return deploymentEnv(this.env, deploymentId);
  }

  /** Runtime log lines of code deployments (the Sentinel's loader tail), into runtime_logs_v1. */
  async recordRuntimeLogs(rows: unknown[]) {
    await shipRuntimeLogs(this.env, rows);
  }

  /** The Sentinel's request log rows (GatewayRequestRow, checked there), into the analytics pipeline (gateway_requests_v1). */
  async recordGatewayRequests(rows: unknown[]) {
    await shipGatewayRequests(this.env, rows);
  }
}

/**
 * Unkey's server parses every POST body as JSON whatever its Content-Type; curl's default
 * form content type would otherwise be refused by the validator with a 415. Not for requests
 * carrying cookies: those may come from a browser, where `text/plain` is how another site
 * posts without a CORS preflight, and the cookie-authenticated routes refuse it (rpc.ts).
 */
function normalizeContentType(request: Request): Request {
  if (request.method !== "POST") return request;
  if (request.headers.has("cookie")) return request;
  const ct = request.headers.get("content-type");
  if (ct && ct.toLowerCase().includes("json")) return request;
  // only the JSON API; the portal pages (/portal) post HTML forms
  if (!new URL(request.url).pathname.startsWith("/v2/")) return request;
  const headers = new Headers(request.headers);
  headers.set("content-type", "application/json");
  return new Request(request, { headers });
}
