import { or } from "../../../lib/auth/permissions";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { findNamespace, listOverrides, namespaceNotFound } from "../../../lib/ratelimit/namespaces";
import { page, paginate, defineRoute, z, type App } from "../../route";
import { RatelimitOverride } from "./schemas";

export const route = defineRoute({
  operationId: "ratelimit.listOverrides",
  summary: "List a namespace's overrides",
  description:
    "Lists the overrides of a namespace ordered by override id, 50 per page unless `limit` says otherwise (1–100), " +
    "with cursor pagination. Needs `ratelimit.*.read_override` or `ratelimit.<namespaceId>.read_override`.",
  paginated: true,
  errors: [404],
  body: z.object({
    namespace: z.string().min(1).max(512).openapi({ description: "Namespace id (`rlns_…`) or name." }),
    cursor: z.string().min(1).max(1024).optional().openapi({ description: "From the previous page's `pagination.cursor`." }),
    limit: z.number().int().min(1).max(100).default(50),
  }),
  data: z.array(RatelimitOverride),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    // like the reference server, a deleted namespace's overrides stay listable
    const ns = await findNamespace(c.var.scope, root.workspaceId, body.namespace);
    if (!ns) throw namespaceNotFound();
    requirePermission(root, or(`ratelimit.${ns.id}.read_override`, "ratelimit.*.read_override"));
    const rows = await listOverrides(c.var.scope, ns.id, body.cursor, body.limit);
    const { items, next } = paginate(rows, body.limit, (r) => r.id);
    return page(
      c,
      items.map((r) => ({ overrideId: r.id, identifier: r.identifier, limit: r.limit, duration: r.duration })),
      next,
    );
  });
