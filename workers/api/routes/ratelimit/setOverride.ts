import { and, eq } from "drizzle-orm";
import { or } from "../../../lib/auth/permissions";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { db, schema } from "../../../lib/db";
import { newId } from "../../../lib/ids";
import { invalidateOverride, liveNamespaceOr404 } from "../../../lib/ratelimit/namespaces";
import { ok, defineRoute, z, type App } from "../../route";
import { NamespaceAndIdentifier } from "./schemas";

export const route = defineRoute({
  operationId: "ratelimit.setOverride",
  summary: "Set a rate-limit override",
  description:
    "Gives one identifier, or every identifier matching a `*` pattern, its own limit and duration in a namespace. " +
    "Setting the same identifier again updates the override and keeps its id; a deleted one comes back. " +
    "A limit of 0 blocks the identifier. Exact overrides beat patterns; among patterns the most specific wins. " +
    "Needs `ratelimit.*.set_override` or `ratelimit.<namespaceId>.set_override`.",
  errors: [404],
  body: NamespaceAndIdentifier.extend({
    limit: z.number().int().min(0).openapi({ description: "Tokens per window; 0 denies every request." }),
    duration: z.number().int().min(1000).openapi({ description: "Window length in milliseconds." }),
  }),
  data: z.object({ overrideId: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const ns = await liveNamespaceOr404(c.var.scope, root.workspaceId, body.namespace);
    requirePermission(root, or(`ratelimit.${ns.id}.set_override`, "ratelimit.*.set_override"));
    const d = db(c.env.DB);
    const o = schema.ratelimitOverrides;
    const [existing] = await d
      .select({ id: o.id, deletedAt: o.deletedAt })
      .from(o)
      .where(and(eq(o.namespaceId, ns.id), eq(o.identifier, body.identifier)))
      .limit(1);
    const overrideId = existing?.id ?? newId("rlor");
    const now = Date.now();
    const creating = !existing || existing.deletedAt !== null;
    await d.batch([
      d
        .insert(o)
        .values({
          id: overrideId,
          workspaceId: root.workspaceId,
          namespaceId: ns.id,
          identifier: body.identifier,
          limit: body.limit,
          duration: body.duration,
          createdAt: now,
        })
        .onConflictDoUpdate({
          target: [o.namespaceId, o.identifier],
          // a revived override counts as new for the order among patterns
          set: { limit: body.limit, duration: body.duration, deletedAt: null, updatedAt: now, ...(creating ? { createdAt: now } : {}) },
        }),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "ratelimit.set_override",
          description: `${creating ? "Created" : "Updated"} override ${overrideId} for '${body.identifier}' (${body.limit} per ${body.duration} ms)`,
          targets: [
            { type: "ratelimitNamespace", id: ns.id, name: ns.name },
            { type: "ratelimitOverride", id: overrideId, name: body.identifier },
          ],
        },
      ]),
    ]);
    await invalidateOverride(c.var.scope, ns.id, body.identifier);
    return ok(c, { overrideId });
  });
