import { drizzle } from "drizzle-orm/d1";
import type { SQL } from "drizzle-orm";
import * as schema from "../../schema";

export type Database = ReturnType<typeof db>;

function build(d1: D1Database) {
  return drizzle(d1, { schema });
}

/**
 * drizzle over the D1 binding. Building one walks the whole schema (relational config), which
 * cost several percent of CPU on the hot paths when done per call, so it is built once per
 * binding object (the same for every request of an isolate) and reused; it holds no
 * per-request state.
 */
const instances = new WeakMap<D1Database, ReturnType<typeof build>>();
export function db(d1: D1Database) {
  let d = instances.get(d1);
  if (!d) instances.set(d1, (d = build(d1)));
  return d;
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
