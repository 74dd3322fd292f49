import { and, asc, eq, gte, inArray } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { satisfies } from "../../../lib/auth/permissions";
import { portalResponse, PortalResponse } from "../../../lib/portal/portals";
import { page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "portal.listPortals",
  summary: "List customer portals",
  description:
    "Our extension: lists the workspace's portals ordered by id, 1–100 per page. With `portal.*.read_portal` every portal is listed; with only `portal.<portalId>.read_portal` grants, just those portals.",
  paginated: true,
  body: z.object({
    limit: z.number().int().min(1).max(100).default(100),
    cursor: z.string().min(1).max(255).optional(),
  }),
  data: z.array(PortalResponse),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    let only: string[] | undefined;
    if (!satisfies(root, "portal.*.read_portal")) {
      only = [...root.permissions].map((p) => /^portal\.(pc_[a-zA-Z0-9]+)\.read_portal$/.exec(p)?.[1]).filter((id): id is string => !!id);
      if (only.length === 0) requirePermission(root, "portal.*.read_portal");
    }
    const p = schema.portals;
    const rows = await db(c.env.DB)
      .select()
      .from(p)
      .where(and(eq(p.workspaceId, root.workspaceId), only ? inArray(p.id, only) : undefined, body.cursor ? gte(p.id, body.cursor) : undefined))
      .orderBy(asc(p.id))
      .limit(body.limit + 1);
    const { items, next } = paginate(rows, body.limit, (r) => r.id);
    return page(c, items.map(portalResponse), next);
  });
