import { or, sql, type SQL } from "drizzle-orm";

/**
 * The `search` field of list endpoints: a case-insensitive substring test over some text
 * columns. Surrounding whitespace is dropped and a search of only whitespace is no filter.
 * `instr`, not LIKE, so `%` and `_` in the text match themselves.
 */
export function searchFilter(search: string | undefined, columns: SQL[]): SQL | undefined {
  const needle = search?.trim().toLowerCase();
  if (!needle) return undefined;
  return or(...columns.map((col) => sql`instr(lower(coalesce(${col}, '')), ${needle}) > 0`));
}
