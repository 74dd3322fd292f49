import { and, asc, eq, gte, sql } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { Permission, permissionData } from "../../../lib/rbac/model";
import { searchFilter } from "../../../lib/search";
import { page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "permissions.listPermissions",
  summary: "List permissions",
  description:
    "Lists the workspace's permissions ordered by id, up to `limit` (1–100, default 100) per page; pass the returned cursor to continue. `search` keeps permissions whose id, name, slug or description contains it, ignoring case. Needs `rbac.*.read_permission`.",
  paginated: true,
  body: z.object({
    limit: z.number().int().min(1).max(100).default(100),
    cursor: z.string().max(1024).optional(),
    search: z.string().max(256).optional(),
  }),
  data: z.array(Permission),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { limit, cursor, search } = c.req.valid("json");
    const root = await authorize(c, "rbac.*.read_permission");
    const p = schema.permissions;
    const rows = await db(c.env.DB)
      .select({ id: p.id, name: p.name, slug: p.slug, description: p.description })
      .from(p)
      .where(
        and(
          eq(p.workspaceId, root.workspaceId),
          cursor ? gte(p.id, cursor) : undefined,
          searchFilter(search, [sql`${p.id}`, sql`${p.name}`, sql`${p.slug}`, sql`${p.description}`]),
        ),
      )
      .orderBy(asc(p.id))
      .limit(limit + 1);
    const { items, next } = paginate(rows, limit, (r) => r.id);
    return page(c, items.map(permissionData), next);
  });
