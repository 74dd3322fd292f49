import { and, asc, eq, gte, isNull, sql } from "drizzle-orm";
import { searchFilter } from "../../../lib/search";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { projectResponse } from "../../../lib/deploy/resources";
import { ProjectData } from "../../../lib/deploy/schemas";
import { page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "projects.listProjects",
  summary: "List projects",
  description: "Lists the workspace's projects ordered by id, optionally filtered by a search over name and slug. Needs `project.*.read_project`.",
  paginated: true,
  body: z.object({ limit: z.number().int().min(1).max(100).default(100), cursor: z.string().max(1024).optional(), search: z.string().max(256).optional() }),
  data: z.array(ProjectData),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { limit, cursor, search } = c.req.valid("json");
    const root = await authorize(c, "project.*.read_project");
    const p = schema.projects;
    const rows = await db(c.env.DB)
      .select()
      .from(p)
      .where(
        and(
          eq(p.workspaceId, root.workspaceId),
          isNull(p.deletedAt),
          cursor ? gte(p.id, cursor) : undefined,
          searchFilter(search, [sql`${p.name}`, sql`${p.slug}`]),
        ),
      )
      .orderBy(asc(p.id))
      .limit(limit + 1);
    const { items, next } = paginate(rows, limit, (r) => r.id);
    return page(c, items.map(projectResponse), next);
  });
