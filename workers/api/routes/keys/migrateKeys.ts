import type { BatchItem } from "drizzle-orm/batch";
import { sql, type SQL } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { apiAction } from "../../../lib/auth/permissions";
import { getApiOrThrow } from "../../../lib/apis";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { newId } from "../../../lib/ids";
import { planIdentityLink } from "../../../lib/identities/findOrCreate";
import { attachPermissionsToKey, attachRolesToKey, planPermissionCreation, planRoleCreation } from "../../../lib/rbac/resolve";
import { findMigration, migrationNotFound, storedHash } from "../../../lib/keys/migrations";
import {
  assertUniqueRatelimitNames,
  CreateCreditsInput,
  creditColumnsForCreate,
  expiresSchema,
  metaSchema,
  permissionSlugsSchema,
  ratelimitInserts,
  ratelimitsSchema,
  roleNamesSchema,
} from "../../../lib/keys/write";
import { ok, defineRoute, z, type App } from "../../route";

const KeyToMigrate = z
  .object({
    hash: z.string().min(3),
    name: z.string().min(1).max(255).optional(),
    externalId: z.string().min(1).max(255).optional(),
    meta: metaSchema.optional(),
    roles: roleNamesSchema.optional(),
    permissions: permissionSlugsSchema.optional(),
    expires: expiresSchema.optional(),
    enabled: z.boolean().default(true),
    credits: CreateCreditsInput.optional(),
    ratelimits: ratelimitsSchema.optional(),
  })
  .strict()
  .openapi("V2KeysMigrateKeyData");

export const route = defineRoute({
  operationId: "keys.migrateKeys",
  summary: "Import pre-hashed keys",
  description:
    "Imports keys from another system by their hashes, under a migration created with keys.createMigration (which names the hash algorithm). " +
    "Each key may carry the settings of keys.createKey; roles, permissions and identities named here are created when missing. " +
    "Hashes that are invalid for the algorithm, repeated, or already stored come back in `failed`; the others in `migrated` with their new key ids. " +
    "Imported keys have an empty `start`. Needs `api.*.create_key` or `api.<apiId>.create_key`.",
  errors: [404, 412],
  body: z.object({
    migrationId: z.string().min(3).max(255),
    apiId: z.string().min(3).max(255),
    keys: z.array(KeyToMigrate).min(1),
  }),
  data: z.object({
    migrated: z.array(z.object({ hash: z.string(), keyId: z.string() })),
    failed: z.array(z.string()),
  }),
});

/** Keys written per D1 batch: each key is a handful of statements. */
const KEYS_PER_BATCH = 20;

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await authorize(c, apiAction(body.apiId, "create_key"));
    const ws = root.workspaceId;
    const d = db(c.env.DB);
    const api = await getApiOrThrow(d, ws, body.apiId);
    const migration = await findMigration(d, ws, body.migrationId);
    if (!migration || migration.apiId !== api.id) throw migrationNotFound();
    if (!api.keyspace || api.keyspace.deletedAt !== null) {
      throw new ApiError("unkey/application/precondition_failed", "The requested API is not set up to handle keys.");
    }
    const now = Date.now();
    // validate everything before writing anything
    const prepared = body.keys.map((k) => {
      assertUniqueRatelimitNames(k.ratelimits);
      return { input: k, credits: creditColumnsForCreate(k.credits, now), stored: storedHash(migration.algorithm, k.hash) };
    });

    const failed: string[] = [];
    const candidates: (typeof prepared)[number][] = [];
    const seen = new Set<string>();
    for (const p of prepared) {
      if (p.stored === null || seen.has(p.stored)) failed.push(p.input.hash);
      else {
        seen.add(p.stored);
        candidates.push(p);
      }
    }
    const taken = await existingHashes(
      d,
      candidates.map((p) => p.stored!),
    );
    const todo = candidates.filter((p) => {
      if (!taken.has(p.stored!)) return true;
      failed.push(p.input.hash);
      return false;
    });

    // identities, roles and permissions: found or created once for the whole request
    const setup: BatchItem<"sqlite">[] = [];
    const identitySql = new Map<string, SQL>();
    for (const externalId of new Set(todo.map((p) => p.input.externalId).filter((x): x is string => !!x))) {
      const plan = await planIdentityLink(c.var.scope, d, ws, externalId);
      setup.push(...plan.statements);
      identitySql.set(externalId, plan.idSql);
    }
    const roleNames = [...new Set(todo.flatMap((p) => p.input.roles ?? []))];
    const slugs = [...new Set(todo.flatMap((p) => p.input.permissions ?? []))];
    setup.push(...(await planRoleCreation(c.var.scope, d, ws, roleNames)).statements);
    setup.push(...(await planPermissionCreation(c.var.scope, d, ws, slugs)).statements);

    const migrated: { hash: string; keyId: string }[] = [];
    const writeChunk = async (chunk: typeof todo, withSetup: boolean) => {
      const writes: BatchItem<"sqlite">[] = withSetup ? [...setup] : [];
      const done: { hash: string; keyId: string }[] = [];
      for (const p of chunk) {
        const k = p.input;
        const keyId = newId("key");
        writes.push(
          d.insert(schema.keys).values({
            id: keyId,
            workspaceId: ws,
            keyspaceId: api.keyspaceId,
            hash: p.stored!,
            start: "",
            name: k.name ?? null,
            meta: k.meta ?? null,
            identityId: k.externalId ? identitySql.get(k.externalId)! : null,
            expires: k.expires ?? null,
            enabled: k.enabled,
            ...p.credits,
            pendingMigrationId: migration.id,
            createdAt: now,
          }),
          ...ratelimitInserts(d, ws, keyId, k.ratelimits ?? [], now),
          ...attachPermissionsToKey(c.var.scope, d, ws, keyId, k.permissions ?? []),
          ...attachRolesToKey(c.var.scope, d, ws, keyId, k.roles ?? []),
          ...auditInserts(c.var.scope, ws, [
            {
              event: "key.create",
              description: `Migrated key ${keyId}`,
              targets: [
                { type: "key", id: keyId, name: k.name ?? null },
                { type: "api", id: api.id, name: api.name },
              ],
              meta: { migrationId: migration.id },
            },
          ]),
        );
        done.push({ hash: k.hash, keyId });
      }
      if (writes.length > 0) await d.batch(writes as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
      return done;
    };
    for (let i = 0; i === 0 || i < todo.length; i += KEYS_PER_BATCH) {
      let chunk = todo.slice(i, i + KEYS_PER_BATCH);
      try {
        migrated.push(...(await writeChunk(chunk, i === 0)));
      } catch (err) {
        // a concurrent import or createKey took one of these hashes since the check: those
        // keys fail, the rest of the chunk is written (the failed batch wrote nothing)
        const nowTaken = await existingHashes(
          d,
          chunk.map((p) => p.stored!),
        );
        if (nowTaken.size === 0) throw err;
        for (const p of chunk) if (nowTaken.has(p.stored!)) failed.push(p.input.hash);
        chunk = chunk.filter((p) => !nowTaken.has(p.stored!));
        migrated.push(...(await writeChunk(chunk, i === 0)));
      }
    }
    return ok(c, { migrated, failed });
  });

/** Which of these hashes are stored already, in any workspace (soft-deleted keys included). */
async function existingHashes(d: ReturnType<typeof db>, hashes: string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await d
    .select({ hash: schema.keys.hash })
    .from(schema.keys)
    .where(sql`${schema.keys.hash} IN (SELECT value FROM json_each(${JSON.stringify(hashes)}))`);
  return new Set(rows.map((r) => r.hash));
}
