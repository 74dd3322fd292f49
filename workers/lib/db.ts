import { drizzle } from "drizzle-orm/d1";
import type { SQL } from "drizzle-orm";
import * as schema from "../../schema";

export type Database = ReturnType<typeof db>;

/** drizzle over the D1 binding; cheap to build per request. */
export function db(d1: D1Database) {
  return drizzle(d1, { schema });
}

export { schema };

/**
 * A raw SQL statement usable inside `d.batch([...])`. drizzle's own `d.run(sql)` cannot be
 * batched on D1 when it has parameters (its batch code expects a prepared `stmt` that raw
 * queries lack), so this attaches one.
 */
export function rawStatement(d: Database, query: SQL) {
  const raw = d.run(query);
  const prepared = (d as unknown as { $client: D1Database }).$client.prepare(raw.getQuery().sql);
  return Object.assign(raw, { stmt: prepared });
}
