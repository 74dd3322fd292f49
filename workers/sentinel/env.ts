import type { GatewayRequestRow } from "../lib/deploy/requestLog";
import type { GatewayVerifyInput, GatewayVerifyResult } from "../api/rpc/gatewayVerifyKey";

/** The API Worker's RPC surface as the Sentinel uses it (service binding `API`, entrypoint ApiEntrypoint). */
export interface ApiRpc {
  gatewayVerifyKey(input: GatewayVerifyInput): Promise<GatewayVerifyResult>;
  recordGatewayRequests(rows: GatewayRequestRow[]): Promise<void>;
  /** a code deployment's env (decrypted variables + system vars); ok false: it must not start */
  deploymentEnv(deploymentId: string): Promise<import("../lib/deploy/appEnv").AppEnvResult>;
  recordRuntimeLogs(rows: import("../lib/deploy/runtimeLogs").RuntimeLogRow[]): Promise<void>;
}

/** Bindings of the Sentinel Worker (wrangler.sentinel.toml). */
export interface SentinelEnv {
  DB: D1Database;
  API: ApiRpc;
  RATE_LIMITER: DurableObjectNamespace;
  /** code deployments (docs/deploy.md): runs their bundles */
  LOADER?: WorkerLoader;
  /** code deployments: the bundle bucket (read only) */
  BUNDLES?: R2Bucket;
  /** base domain of generated hostnames; default `localhost` */
  SENTINEL_BASE_DOMAIN?: string;
  /** reported in X-Unkey-Region as `cloudflare::<region>`; default the colo of the request */
  SENTINEL_REGION?: string;
  /** how long an isolate serves a host's route from memory, ms (default and maximum 1000; 0: read D1 every request) */
  SENTINEL_ROUTE_TTL_MS?: string;
  /** upstream deadline in ms (default and maximum 15 minutes) */
  SENTINEL_REQUEST_TIMEOUT_MS?: string;
  /** Self-hosted proxies in front of the Sentinel (IPs / CIDRs): only then is X-Forwarded-For read (lib/clientIp.ts). */
  TRUSTED_PROXIES?: string;
  /** JSON list of the bindings Worker upstreams may name (workers/lib/destinations.ts); default none */
  APP_WORKER_BINDINGS?: string;
  /** "1": loopback destinations allowed (local development): upstreams and code deployments' outbound fetch */
  ALLOW_LOCAL_DESTINATIONS?: string;
  /** the API's public origin, never an upstream */
  API_BASE_URL?: string;
  /** Worker upstreams: service bindings named in deployments' `upstream.worker` */
  [binding: string]: unknown;
}
