import { and, asc, eq, gte, isNull, like, or } from "drizzle-orm";
import { schema } from "../db";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { auditInserts } from "../audit";
import { compareWildcards, wildcardMatch } from "./wildcard";
import type { RequestScope } from "../scope";

/** What the lookups need of a request scope. */
type Stores = Pick<RequestScope, "db" | "cache">;

/**
 * Rate-limit namespaces and overrides: lookups behind the tiered cache, creation, invalidation.
 *
 * Cache keys: `ratelimitNamespace` → `<workspaceId>:<id or name>` (only found namespaces are
 * cached, so one created elsewhere is seen at once); `ratelimitOverrides` → `<namespaceId>` for
 * the namespace's overrides (all of them, or only its wildcards when it has very many) and
 * `<namespaceId>:=<identifier>` for one identifier's exact override in the latter case. Every
 * write removes what it changed.
 */
export interface Namespace {
  id: string;
  name: string;
  deleted: boolean;
}

export interface Override {
  id: string;
  identifier: string;
  limit: number;
  duration: number;
}

const MISSING = Symbol("missing");

async function loadNamespace(scope: Stores, workspaceId: string, nameOrId: string): Promise<Namespace | null> {
  const n = schema.ratelimitNamespaces;
  const rows = await scope.db
    .select({ id: n.id, name: n.name, deletedAt: n.deletedAt })
    .from(n)
    .where(and(eq(n.workspaceId, workspaceId), or(eq(n.id, nameOrId), eq(n.name, nameOrId))))
    .limit(2);
  // an id match wins over a namespace whose name happens to equal that id
  const row = rows.find((r) => r.id === nameOrId) ?? rows[0];
  return row ? { id: row.id, name: row.name, deleted: row.deletedAt !== null } : null;
}

/** The namespace of the workspace with this id or name (deleted ones included), or null. */
export async function findNamespace(scope: Stores, workspaceId: string, nameOrId: string): Promise<Namespace | null> {
  try {
    return await scope.cache.swr("ratelimitNamespace", `${workspaceId}:${nameOrId}`, async () => {
      const ns = await loadNamespace(scope, workspaceId, nameOrId);
      if (!ns) throw MISSING;
      return ns;
    });
  } catch (err) {
    if (err === MISSING) return null;
    throw err;
  }
}

/**
 * Creates the named namespaces in one batch with their audit events. Idempotent under races: a
 * concurrent creator makes the batch fail on the unique name, and the names are then re-read.
 * Returns every requested name mapped to its namespace.
 */
export async function createNamespaces(scope: RequestScope, workspaceId: string, names: string[]): Promise<Map<string, Namespace>> {
  const out = new Map<string, Namespace>();
  let missing = [...new Set(names)];
  for (let attempt = 0; attempt < 3 && missing.length > 0; attempt++) {
    const now = Date.now();
    const created = missing.map((name) => ({ id: newId("rlns"), name }));
    const d = scope.db;
    try {
      await d.batch([
        d.insert(schema.ratelimitNamespaces).values(created.map((x) => ({ ...x, workspaceId, createdAt: now }))),
        ...auditInserts(
          scope,
          workspaceId,
          created.map((x) => ({
            event: "ratelimitNamespace.create",
            description: `Created ratelimit namespace ${x.id}`,
            targets: [{ type: "ratelimitNamespace", id: x.id, name: x.name }],
          })),
        ),
      ]);
      for (const x of created) out.set(x.name, { id: x.id, name: x.name, deleted: false });
      missing = [];
    } catch (err) {
      if (!String((err as Error)?.message ?? err).includes("UNIQUE")) throw err;
      // someone else created (some of) them: take theirs, retry the rest
      const still: string[] = [];
      for (const name of missing) {
        const ns = await loadNamespace(scope, workspaceId, name);
        if (ns) out.set(name, ns);
        else still.push(name);
      }
      missing = still;
    }
  }
  if (missing.length > 0) throw new Error("could not create ratelimit namespaces");
  await scope.cache.remove("ratelimitNamespace", ...names.map((n) => `${workspaceId}:${n}`));
  return out;
}

export async function invalidateNamespace(scope: RequestScope, workspaceId: string, ns: { id: string; name: string }) {
  await scope.cache.remove("ratelimitNamespace", `${workspaceId}:${ns.id}`, `${workspaceId}:${ns.name}`);
}

export const namespaceNotFound = () => new ApiError("unkey/data/ratelimit_namespace_not_found", "This namespace does not exist.");

export const namespaceGone = () => new ApiError("unkey/data/ratelimit_namespace_gone", "This namespace has been deleted. Contact support to restore.");

export const overrideNotFound = () => new ApiError("unkey/data/ratelimit_override_not_found", "This override does not exist.");

/** A live namespace or the 404 the override routes answer (missing, deleted or foreign). */
export async function liveNamespaceOr404(scope: RequestScope, workspaceId: string, nameOrId: string): Promise<Namespace> {
  const ns = await findNamespace(scope, workspaceId, nameOrId);
  if (!ns || ns.deleted) throw namespaceNotFound();
  return ns;
}

// ─────────────────────────────────────── overrides ───────────────────────────────────────

const o = schema.ratelimitOverrides;
const cols = { id: o.id, identifier: o.identifier, limit: o.limit, duration: o.duration, createdAt: o.createdAt };

/**
 * A namespace's overrides as one cache entry (as Unkey caches them with the namespace): with up
 * to INLINE_OVERRIDES of them, `all` holds every one and an identifier never seen before costs
 * no lookup at all (the hot path of `limit` with many identifiers); beyond that only the
 * wildcards are kept here and exact overrides are looked up per identifier.
 */
const INLINE_OVERRIDES = 1000;
type OverrideSet = { all: Override[] | null; wildcards: Override[] };
/** identifier → override, derived once per cached set and isolate */
const exactIndex = new WeakMap<OverrideSet, Map<string, Override>>();

/**
 * The override that applies to `identifier`: the exact one if stored, else the first matching
 * wildcard in `compareWildcards` order, else null.
 */
export async function matchOverride(scope: Stores, namespaceId: string, identifier: string): Promise<Override | null> {
  const cache = scope.cache;
  const d = scope.db;
  const set = await cache.swr("ratelimitOverrides", namespaceId, async (): Promise<OverrideSet> => {
    const rows = await d
      .select(cols)
      .from(o)
      .where(and(eq(o.namespaceId, namespaceId), isNull(o.deletedAt)))
      .limit(INLINE_OVERRIDES + 1);
    if (rows.length <= INLINE_OVERRIDES) {
      return {
        all: rows.map(strip),
        wildcards: rows
          .filter((r) => r.identifier.includes("*"))
          .sort(compareWildcards)
          .map(strip),
      };
    }
    const wildcards = await d
      .select(cols)
      .from(o)
      .where(and(eq(o.namespaceId, namespaceId), like(o.identifier, "%*%"), isNull(o.deletedAt)));
    return { all: null, wildcards: wildcards.sort(compareWildcards).map(strip) };
  });
  let exact: Override | null;
  if (set.all) {
    let index = exactIndex.get(set);
    if (!index) exactIndex.set(set, (index = new Map(set.all.map((x) => [x.identifier, x]))));
    exact = index.get(identifier) ?? null;
  } else {
    exact = await cache.swr("ratelimitOverrides", `${namespaceId}:=${identifier}`, async () => {
      const rows = await d
        .select(cols)
        .from(o)
        .where(and(eq(o.namespaceId, namespaceId), eq(o.identifier, identifier), isNull(o.deletedAt)))
        .limit(1);
      return rows[0] ? strip(rows[0]) : null;
    });
  }
  if (exact) return exact;
  return set.wildcards.find((w) => wildcardMatch(w.identifier, identifier)) ?? null;
}

function strip(r: { id: string; identifier: string; limit: number; duration: number }): Override {
  return { id: r.id, identifier: r.identifier, limit: r.limit, duration: r.duration };
}

/** After a write to the override stored under `identifier`. */
export async function invalidateOverride(scope: RequestScope, namespaceId: string, identifier: string) {
  await scope.cache.remove("ratelimitOverrides", namespaceId, `${namespaceId}:=${identifier}`);
}

export async function listOverrides(scope: RequestScope, namespaceId: string, cursor: string | undefined, limit: number) {
  return scope.db
    .select(cols)
    .from(o)
    .where(and(eq(o.namespaceId, namespaceId), isNull(o.deletedAt), cursor ? gte(o.id, cursor) : undefined))
    .orderBy(asc(o.id))
    .limit(limit + 1);
}
