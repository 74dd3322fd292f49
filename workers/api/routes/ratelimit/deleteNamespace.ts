import { eq } from "drizzle-orm";
import { or } from "../../../lib/auth/permissions";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { db, schema } from "../../../lib/db";
import { invalidateNamespace, liveNamespaceOr404 } from "../../../lib/ratelimit/namespaces";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "ratelimit.deleteNamespace",
  summary: "Delete a rate-limit namespace (extension)",
  description:
    "Our extension to the Unkey API. Soft-deletes a namespace: afterwards `ratelimit.limit` and `ratelimit.multiLimit` " +
    "answer 410 for it, setOverride/getOverride/deleteOverride 404 (listOverrides still lists its overrides, as Unkey's " +
    "server does), and its name stays reserved. " +
    "Needs `ratelimit.*.delete_namespace` or `ratelimit.<namespaceId>.delete_namespace`.",
  errors: [404],
  body: z.object({
    namespace: z.string().min(1).max(512).openapi({ description: "Namespace id (`rlns_…`) or name." }),
  }),
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const ns = await liveNamespaceOr404(c.var.scope, root.workspaceId, body.namespace);
    requirePermission(root, or(`ratelimit.${ns.id}.delete_namespace`, "ratelimit.*.delete_namespace"));
    const d = db(c.env.DB);
    const now = Date.now();
    await d.batch([
      d.update(schema.ratelimitNamespaces).set({ deletedAt: now, updatedAt: now }).where(eq(schema.ratelimitNamespaces.id, ns.id)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "ratelimitNamespace.delete",
          description: `Deleted ratelimit namespace ${ns.id}`,
          targets: [{ type: "ratelimitNamespace", id: ns.id, name: ns.name }],
        },
      ]),
    ]);
    await invalidateNamespace(c.var.scope, root.workspaceId, ns);
    return ok(c, {});
  });
