import { and, asc, eq, gte, isNull } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { compact, page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "rootKeys.listRootKeys",
  summary: "List root keys",
  description: "Our extension. Lists the workspace's root keys (never their secrets). Needs `workspace.*.read_root_key`.",
  paginated: true,
  body: z.object({
    limit: z.number().int().min(1).max(100).default(100),
    cursor: z.string().min(1).max(1024).optional(),
  }),
  data: z.array(
    z.object({
      keyId: z.string(),
      start: z.string(),
      name: z.string().optional(),
      permissions: z.array(z.string()),
      fullAccess: z.boolean(),
      enabled: z.boolean(),
      expires: z.number().int().optional(),
      createdAt: z.number().int(),
    }),
  ),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { limit, cursor } = c.req.valid("json");
    const root = await authorize(c, "workspace.*.read_root_key");
    const t = schema.rootKeys;
    const rows = await db(c.env.DB)
      .select()
      .from(t)
      .where(and(eq(t.workspaceId, root.workspaceId), isNull(t.deletedAt), cursor ? gte(t.id, cursor) : undefined))
      .orderBy(asc(t.id))
      .limit(limit + 1);
    const { items, next } = paginate(rows, limit, (r) => r.id);
    return page(
      c,
      items.map((r) =>
        compact({
          keyId: r.id,
          start: r.start,
          name: r.name,
          permissions: r.permissions,
          fullAccess: r.fullAccess,
          enabled: r.enabled,
          expires: r.expires,
          createdAt: r.createdAt,
        }),
      ),
      next,
    );
  });
