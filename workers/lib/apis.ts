import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "./db";
import { schema } from "./db";
import { ApiError } from "./errors";

export type ApiWithKeyspace = typeof schema.apis.$inferSelect & { keyspace: typeof schema.keyspaces.$inferSelect | null };

/** A live API of the workspace with its keyspace, or null (unknown, deleted, other workspace). */
export async function findApi(d: Database, workspaceId: string, apiId: string): Promise<ApiWithKeyspace | null> {
  // longer than any id: not found, without sending an unbounded string to D1
  if (apiId.length > 255) return null;
  const rows = await d
    .select({ api: schema.apis, keyspace: schema.keyspaces })
    .from(schema.apis)
    .leftJoin(schema.keyspaces, eq(schema.keyspaces.id, schema.apis.keyspaceId))
    .where(and(eq(schema.apis.id, apiId), eq(schema.apis.workspaceId, workspaceId), isNull(schema.apis.deletedAt)))
    .limit(1);
  const row = rows[0];
  return row ? { ...row.api, keyspace: row.keyspace } : null;
}

export const apiNotFound = (detail = "The requested API does not exist or has been deleted.") => new ApiError("unkey/data/api_not_found", detail);

export async function getApiOrThrow(d: Database, workspaceId: string, apiId: string, detail?: string) {
  const api = await findApi(d, workspaceId, apiId);
  if (!api) throw apiNotFound(detail);
  return api;
}
