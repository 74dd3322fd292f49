import type { BatchItem } from "drizzle-orm/batch";
import { eq, inArray } from "drizzle-orm";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts, type AuditEvent } from "../../../lib/audit";
import { db, schema } from "../../../lib/db";
import {
  assertMetaSize,
  findIdentity,
  identityNotFound,
  identityRatelimitInserts,
  identityRatelimits,
  invalidateIdentityKeys,
  requireIdentityAction,
  toIdentityResponse,
} from "../../../lib/identities/identity";
import { Identity } from "../../../lib/keys/response";
import { assertUniqueRatelimitNames, metaSchema, ratelimitsSchema } from "../../../lib/keys/write";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "identities.updateIdentity",
  summary: "Update an identity",
  description:
    "Changes an identity's meta and/or rate limits; the externalId stays. `meta` replaces the stored object " +
    "(`{}` clears it). `ratelimits` is the complete desired set, matched by name: listed names are updated in place " +
    "(their ids stay), new names added, unlisted ones removed; `[]` removes all. Omitted fields are left alone. " +
    "Keys of the identity see the change on their next verification. Needs `identity.*.update_identity`.",
  errors: [404],
  body: z.object({
    identity: z.string().min(1).openapi({ description: "Identity id (`id_…`) or externalId." }),
    meta: metaSchema.optional(),
    ratelimits: ratelimitsSchema.optional(),
  }),
  data: Identity,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireIdentityAction(root, "update_identity");
    assertMetaSize(body.meta);
    assertUniqueRatelimitNames(body.ratelimits);
    const d = db(c.env.DB);
    // A concurrent update can insert the same new name first; the batch then fails on the unique
    // (identity, name) index and the reconciliation is recomputed from fresh rows.
    for (let attempt = 0; ; attempt++) {
      const row = await findIdentity(d, root.workspaceId, body.identity);
      if (!row) throw identityNotFound();
      const current = (await identityRatelimits(d, [row.id])).get(row.id) ?? [];
      const now = Date.now();
      const writes: BatchItem<"sqlite">[] = [
        d
          .update(schema.identities)
          .set({ ...(body.meta !== undefined ? { meta: body.meta } : {}), updatedAt: now })
          .where(eq(schema.identities.id, row.id)),
      ];
      const target = { type: "identity", id: row.id, name: row.externalId };
      const events: AuditEvent[] = [{ event: "identity.update", description: `Updated identity ${row.id} (${row.externalId})`, targets: [target] }];
      let final = current;
      if (body.ratelimits !== undefined) {
        const byName = new Map(current.map((l) => [l.name, l]));
        const wanted = new Set(body.ratelimits.map((l) => l.name));
        const removed = current.filter((l) => !wanted.has(l.name));
        if (removed.length > 0) {
          writes.push(
            d.delete(schema.ratelimits).where(
              inArray(
                schema.ratelimits.id,
                removed.map((l) => l.id),
              ),
            ),
          );
          for (const l of removed) {
            events.push({
              event: "ratelimit.delete",
              description: `Deleted ratelimit ${l.id} '${l.name}'`,
              targets: [target, { type: "ratelimit", id: l.id, name: l.name }],
            });
          }
        }
        const added = body.ratelimits.filter((l) => !byName.has(l.name));
        const inserted = identityRatelimitInserts(d, root.workspaceId, row.id, added, now);
        writes.push(...inserted.statements);
        for (const l of inserted.rows) {
          events.push({
            event: "ratelimit.create",
            description: `Created ratelimit ${l.id} '${l.name}'`,
            targets: [target, { type: "ratelimit", id: l.id, name: l.name }],
          });
        }
        final = [];
        for (const l of body.ratelimits) {
          const old = byName.get(l.name);
          if (!old) {
            final.push(inserted.rows.find((r) => r.name === l.name)!);
            continue;
          }
          const next = { ...old, limit: l.limit, duration: l.duration, autoApply: l.autoApply ?? false };
          if (next.limit !== old.limit || next.duration !== old.duration || next.autoApply !== old.autoApply) {
            writes.push(
              d
                .update(schema.ratelimits)
                .set({ limit: next.limit, duration: next.duration, autoApply: next.autoApply, updatedAt: now })
                .where(eq(schema.ratelimits.id, old.id)),
            );
            events.push({
              event: "ratelimit.update",
              description: `Updated ratelimit ${old.id} '${old.name}'`,
              targets: [target, { type: "ratelimit", id: old.id, name: old.name }],
            });
          }
          final.push(next);
        }
        final.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      }
      try {
        await d.batch([writes[0]!, ...writes.slice(1), ...auditInserts(c.var.scope, root.workspaceId, events)]);
      } catch (err) {
        if (attempt < 2 && String((err as Error)?.message ?? err).includes("UNIQUE")) continue;
        throw err;
      }
      await invalidateIdentityKeys(c.var.scope, row.id);
      const updated = { ...row, meta: body.meta !== undefined ? body.meta : row.meta };
      return ok(c, toIdentityResponse(updated, final));
    }
  });
