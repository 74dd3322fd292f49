import type { BatchItem } from "drizzle-orm/batch";
import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import { schema, type Database } from "../db";
import { newId } from "../ids";
import { auditInsertWhen } from "../audit";
import type { RequestScope } from "../scope";

export type IdentityRow = typeof schema.identities.$inferSelect;

/** The live identity with this externalId in the workspace, or null. */
export async function findIdentityByExternalId(d: Database, workspaceId: string, externalId: string): Promise<IdentityRow | null> {
  // longer than any stored externalId: not found, without sending an unbounded string to D1
  if (externalId.length > 255) return null;
  const rows = await d
    .select()
    .from(schema.identities)
    .where(and(eq(schema.identities.workspaceId, workspaceId), eq(schema.identities.externalId, externalId), isNull(schema.identities.deletedAt)))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * How a write links to the identity of `externalId`, creating it when missing, inside the
 * caller's own D1 batch (so the identity and what links to it land together):
 *
 * - `statements` go into the batch before anything that uses `idSql`: an
 *   `INSERT … ON CONFLICT DO NOTHING` of a new identity (meta `{}`) and its `identity.create`
 *   audit event, recorded only if this insert won.
 * - `idSql` evaluates, at batch time, to the id of the one live identity with that externalId,
 *   whichever concurrent request created it (the partial unique index on
 *   (workspace_id, external_id) WHERE deleted_at IS NULL allows only one).
 */
export async function planIdentityLink(
  scope: RequestScope,
  d: Database,
  workspaceId: string,
  externalId: string,
): Promise<{ idSql: SQL; statements: BatchItem<"sqlite">[]; existing: IdentityRow | null; createdId: string | null }> {
  const existing = await findIdentityByExternalId(d, workspaceId, externalId);
  if (existing) return { idSql: sql`${existing.id}`, statements: [], existing, createdId: null };
  const id = newId("id");
  const now = Date.now();
  const statements: BatchItem<"sqlite">[] = [
    d.insert(schema.identities).values({ id, workspaceId, externalId, meta: {}, createdAt: now }).onConflictDoNothing(),
    auditInsertWhen(
      scope,
      workspaceId,
      {
        event: "identity.create",
        description: `Created identity ${id} (${externalId})`,
        targets: [{ type: "identity", id, name: externalId }],
      },
      sql`EXISTS (SELECT 1 FROM identities WHERE id = ${id})`,
    ),
  ];
  const idSql = sql`(SELECT id FROM identities WHERE workspace_id = ${workspaceId} AND external_id = ${externalId} AND deleted_at IS NULL)`;
  return { idSql, statements, existing: null, createdId: id };
}
