import { coloOf } from "./colo";
import type { Env } from "./env";
import type { TieredCache } from "./cache";
import { db, type Database } from "./db";
import { newCache } from "./services";
import { clientIp } from "./clientIp";
import type { RootKeyContext } from "./auth/rootKey";
import type { PortalSession } from "./portal/sessions";

/**
 * Who a request acts as. Filled in by authentication (root key, portal session, ADMIN_KEY);
 * `system` for work the platform does on its own (queues, cron), `anonymous` before auth.
 */
export type Actor =
  | { kind: "rootKey"; rootKey: RootKeyContext }
  | { kind: "portalUser"; session: PortalSession }
  | { kind: "operator" }
  | { kind: "system"; name: string }
  | { kind: "anonymous" };

/**
 * Everything a service in workers/lib needs of the request it serves, with no HTTP in it.
 * Built once per request (workers/api/app.ts), once per service-binding call (ApiEntrypoint)
 * and once per queue batch / cron run. Services take the scope (or the parts they need),
 * never a Hono Context.
 */
export interface RequestScope {
  readonly env: Env;
  /** drizzle over env.DB */
  readonly db: Database;
  /** the tiered cache of this request (its in-memory tier is per isolate) */
  readonly cache: TieredCache;
  readonly waitUntil: (p: Promise<unknown>) => void;
  readonly requestId: string;
  actor: Actor;
  /** the client's address (lib/clientIp.ts), null when there is none we trust */
  readonly callerIp: string | null;
  readonly userAgent: string | null;
  /** the Cloudflare location serving the request, when known */
  readonly region: string | undefined;
}

export interface ScopeInit {
  env: Env;
  /** `waitUntil` of the invocation; read at call time, so a missing ExecutionContext only fails when used */
  waitUntil: (p: Promise<unknown>) => void;
  requestId: string;
  actor?: Actor;
  /** the HTTP request, read lazily for the client address, user agent and region */
  request?: Request;
  /** given directly when there is no HTTP request (RPC callers name the end user's address) */
  callerIp?: string | null;
  userAgent?: string | null;
  region?: string;
}

/**
 * The warm verification path builds one of these per request, so construction does no work:
 * the cache, drizzle and the header reads happen on first use.
 */
class Scope implements RequestScope {
  readonly env: Env;
  readonly waitUntil: (p: Promise<unknown>) => void;
  readonly requestId: string;
  actor: Actor;
  #init: ScopeInit;
  #cache: TieredCache | undefined;
  #ip: string | null | undefined;

  constructor(init: ScopeInit) {
    this.env = init.env;
    this.waitUntil = init.waitUntil;
    this.requestId = init.requestId;
    this.actor = init.actor ?? { kind: "anonymous" };
    this.#init = init;
  }

  get db(): Database {
    return db(this.env.DB);
  }

  get cache(): TieredCache {
    return (this.#cache ??= newCache(this.env, this));
  }

  get callerIp(): string | null {
    if (this.#ip === undefined) {
      const { request, callerIp } = this.#init;
      this.#ip = callerIp !== undefined ? callerIp : request ? clientIp(request, this.env) : null;
    }
    return this.#ip;
  }

  get userAgent(): string | null {
    const { request, userAgent } = this.#init;
    if (userAgent !== undefined) return userAgent;
    return request?.headers.get("user-agent") ?? null;
  }

  get region(): string | undefined {
    const { request, region } = this.#init;
    if (region !== undefined) return region;
    return request ? coloOf(request) : undefined;
  }
}

export function createScope(init: ScopeInit): RequestScope {
  return new Scope(init);
}

/** The root key the request authenticated with, if any. */
export function rootKeyOf(scope: Pick<RequestScope, "actor">): RootKeyContext | undefined {
  return scope.actor.kind === "rootKey" ? scope.actor.rootKey : undefined;
}
