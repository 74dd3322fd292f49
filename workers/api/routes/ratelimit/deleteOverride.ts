import { and, eq, isNull } from "drizzle-orm";
import { or } from "../../../lib/auth/permissions";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { db, schema } from "../../../lib/db";
import { invalidateOverride, liveNamespaceOr404, overrideNotFound } from "../../../lib/ratelimit/namespaces";
import { ok, defineRoute, z, type App } from "../../route";
import { NamespaceAndIdentifier } from "./schemas";

export const route = defineRoute({
  operationId: "ratelimit.deleteOverride",
  summary: "Delete a rate-limit override",
  description:
    "Deletes the override stored under exactly this identifier (a pattern must be given as stored; no matching). " +
    "Afterwards the identifier falls back to the next matching pattern, or to the limits sent with each request. " +
    "Needs `ratelimit.*.delete_override` or `ratelimit.<namespaceId>.delete_override`.",
  errors: [404],
  body: NamespaceAndIdentifier,
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const ns = await liveNamespaceOr404(c.var.scope, root.workspaceId, body.namespace);
    requirePermission(root, or(`ratelimit.${ns.id}.delete_override`, "ratelimit.*.delete_override"));
    const d = db(c.env.DB);
    const o = schema.ratelimitOverrides;
    const [row] = await d
      .select({ id: o.id })
      .from(o)
      .where(and(eq(o.namespaceId, ns.id), eq(o.identifier, body.identifier), isNull(o.deletedAt)))
      .limit(1);
    if (!row) throw overrideNotFound();
    const now = Date.now();
    await d.batch([
      d.update(o).set({ deletedAt: now, updatedAt: now }).where(eq(o.id, row.id)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "ratelimit.delete_override",
          description: `Deleted override ${row.id} for '${body.identifier}'`,
          targets: [
            { type: "ratelimitNamespace", id: ns.id, name: ns.name },
            { type: "ratelimitOverride", id: row.id, name: body.identifier },
          ],
        },
      ]),
    ]);
    await invalidateOverride(c.var.scope, ns.id, body.identifier);
    return ok(c, {});
  });
