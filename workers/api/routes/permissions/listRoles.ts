import { and, asc, eq, gte, sql } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { Role, rolesWithPermissions } from "../../../lib/rbac/model";
import { searchFilter } from "../../../lib/search";
import { page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "permissions.listRoles",
  summary: "List roles",
  description:
    "Lists the workspace's roles with their permissions, ordered by id, up to `limit` (1–100, default 100) per page; pass the returned cursor to continue. `search` keeps roles whose id, name or description contains it, ignoring case. Needs `rbac.*.read_role`.",
  paginated: true,
  errors: [404],
  body: z.object({
    limit: z.number().int().min(1).max(100).default(100),
    cursor: z.string().max(1024).optional(),
    search: z.string().max(256).optional(),
  }),
  data: z.array(Role),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { limit, cursor, search } = c.req.valid("json");
    const root = await authorize(c, "rbac.*.read_role");
    const d = db(c.env.DB);
    const r = schema.roles;
    const rows = await d
      .select({ id: r.id, name: r.name, description: r.description })
      .from(r)
      .where(
        and(
          eq(r.workspaceId, root.workspaceId),
          cursor ? gte(r.id, cursor) : undefined,
          searchFilter(search, [sql`${r.id}`, sql`${r.name}`, sql`${r.description}`]),
        ),
      )
      .orderBy(asc(r.id))
      .limit(limit + 1);
    const { items, next } = paginate(rows, limit, (row) => row.id);
    return page(c, await rolesWithPermissions(d, items), next);
  });
