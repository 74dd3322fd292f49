/** Bindings and secrets of the API Worker (wrangler.toml + .dev.vars / Worker secrets). */
export interface Env {
  DB: D1Database;
  /** Operator secret for workspace administration (our extension). */
  ADMIN_KEY: string;
  /** Key-encryption key(s) for recoverable keys: "id:base64key[,id:base64key…]", first is current. */
  ENCRYPTION_KEYS?: string;
  /** Set to "off" to bypass the in-memory and Cache API tiers (benchmarks of the cold path). */
  CACHE_MODE?: string;
  /** Base domain of the Sentinel's generated hostnames (docs/sentinel.md); default `localhost`. */
  SENTINEL_BASE_DOMAIN?: string;
  /** Credits of one key per object (durable-objects/UsageLimiter.ts). */
  USAGE_LIMITER: DurableObjectNamespace<import("../../durable-objects/UsageLimiter").UsageLimiter>;
  /** Base URL of the customer portal pages (default: this Worker's origin + "/portal"). */
  PORTAL_BASE_URL?: string;
  /** Analytics pipeline (docs/analytics.md): events Queue, its dead-letter queue, AE datasets. */
  ANALYTICS_QUEUE?: Queue<import("./analytics/events").AnalyticsMessage>;
  ANALYTICS_DLQ?: Queue<unknown>;
  AE_VERIFICATIONS?: AnalyticsEngineDataset;
  AE_RATELIMITS?: AnalyticsEngineDataset;
  /** Where GitHub publishes its secret-scanning signing keys (overridable for tests/mirrors). */
  GITHUB_KEYS_URL?: string;
  /** Self-hosted proxies in front of the Worker (IPs / CIDRs, comma-separated): only then is X-Forwarded-For read (lib/clientIp.ts). */
  TRUSTED_PROXIES?: string;
  /** Code deployments (docs/deploy.md): the bundle bucket and the loader that builds and probes bundles. */
  BUNDLES?: R2Bucket;
  LOADER?: WorkerLoader;
  [binding: string]: unknown;
}

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** set by rootKeyAuth */
    rootKey?: import("./auth/rootKey").RootKeyContext;
  };
};
