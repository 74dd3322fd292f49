import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../schema";

export type Database = ReturnType<typeof db>;

/** drizzle over the D1 binding; cheap to build per request. */
export function db(d1: D1Database) {
  return drizzle(d1, { schema });
}

export { schema };
