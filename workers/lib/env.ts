/** Bindings and secrets of the API Worker (wrangler.toml + .dev.vars / Worker secrets). */
export interface Env {
  DB: D1Database;
  /** The analytics database: events, rollups, request logs, query quota (docs/analytics.md). */
  ANALYTICS_DB: D1Database;
  /** Operator secret for workspace administration (our extension). */
  ADMIN_KEY: string;
  /** Key-encryption key(s) for recoverable keys: "id:base64key[,id:base64key…]", first is current. */
  ENCRYPTION_KEYS?: string;
  /** "off" bypasses the in-memory and Cache API tiers; "keys-off" only for keys and keyspaces (benchmarks of the cold path). */
  CACHE_MODE?: string;
  /** Base domain of the Sentinel's generated hostnames (docs/sentinel.md); default `localhost`. */
  SENTINEL_BASE_DOMAIN?: string;
  /** Credits of one key per object (durable-objects/UsageLimiter.ts). */
  USAGE_LIMITER: DurableObjectNamespace<import("../../durable-objects/UsageLimiter").UsageLimiter>;
  /** Base URL of the customer portal pages (default: API_BASE_URL + "/portal"; see lib/portal/origin.ts). */
  PORTAL_BASE_URL?: string;
  /** This API's public origin, e.g. https://api.example.com (never derived from the Host header; never a tenant destination). */
  API_BASE_URL?: string;
  /** "1" in local development (npm start, test harnesses): the portal may use a loopback request's own origin. */
  LOCAL_DEV?: string;
  /** Analytics pipeline (docs/analytics.md): events Queue, its dead-letter queue, AE datasets. */
  ANALYTICS_QUEUE?: Queue<import("./analytics/events").AnalyticsMessage>;
  ANALYTICS_DLQ?: Queue<unknown>;
  AE_VERIFICATIONS?: AnalyticsEngineDataset;
  AE_RATELIMITS?: AnalyticsEngineDataset;
  /** "1": loopback destinations (upstreams, webhooks) allowed, for local development (workers/lib/destinations.ts) */
  ALLOW_LOCAL_DESTINATIONS?: string;
  /** Optional JSON list of the Sentinel's app Worker bindings, to refuse other Worker upstreams at write time. */
  APP_WORKER_BINDINGS?: string;
  /** DNS-over-HTTPS JSON resolver for custom-domain verification (default Cloudflare's). */
  DNS_RESOLVER_URL?: string;
  /** Static assets (wrangler.toml [assets], built by scripts/build-assets.mjs): the /reference renderer. */
  ASSETS?: Fetcher;
  /** Where GitHub publishes its secret-scanning signing keys (overridable for tests/mirrors). */
  GITHUB_KEYS_URL?: string;
  /** Self-hosted proxies in front of the Worker (IPs / CIDRs, comma-separated): only then is X-Forwarded-For read (lib/clientIp.ts). */
  TRUSTED_PROXIES?: string;
  /** Request deadline in ms (default 60000, as Unkey's): later answers are 408 request_timeout. */
  REQUEST_TIMEOUT_MS?: string;
  /** Code deployments (docs/deploy.md): the bundle bucket and the loader that builds and probes bundles. */
  BUNDLES?: R2Bucket;
  LOADER?: WorkerLoader;
  /** Lifecycle webhooks (docs/webhooks.md): the delivery Queue and its dead-letter queue. */
  WEBHOOK_QUEUE?: Queue<import("./webhooks/emit").WebhookMessage>;
  WEBHOOK_DLQ?: Queue<unknown>;
  /** First retry delay of a failed webhook delivery in ms (default 5000), doubling per attempt; tests shorten it. */
  WEBHOOK_RETRY_BASE_MS?: string;
  /** Upgrade from per-identifier rate-limit objects: until this time (Unix ms or ISO) shards copy their live windows (docs/ratelimiting.md). */
  RATELIMIT_LEGACY_UNTIL?: string;
  [binding: string]: unknown;
}

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** built per request in workers/api/app.ts; root-key and portal auth set its actor */
    scope: import("./scope").RequestScope;
  };
};
