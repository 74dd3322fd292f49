import { and, asc, eq, gte, isNull, sql } from "drizzle-orm";
import { searchFilter } from "../../../lib/search";
import { db, schema } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { requireSomeScope, allowed, scoped } from "../../../lib/deploy/access";
import { appResponse, getProjectOrThrow } from "../../../lib/deploy/resources";
import { AppData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "apps.listApps",
  summary: "List apps",
  description:
    "Lists a project's apps ordered by id, optionally filtered by a search over name and slug. Apps the root key may not read are left out. Needs `app.*.read_app` (or per-app grants).",
  errors: [404],
  paginated: true,
  body: z.object({
    project: ResourceIdentifier,
    limit: z.number().int().min(1).max(100).default(100),
    cursor: z.string().max(1024).optional(),
    search: z.string().max(256).optional(),
  }),
  data: z.array(AppData),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { project: ident, limit, cursor, search } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "app", "read_app");
    const d = db(c.env.DB);
    const project = await getProjectOrThrow(d, root.workspaceId, ident);
    const a = schema.deployApps;
    const rows = await d
      .select()
      .from(a)
      .where(
        and(eq(a.projectId, project.id), isNull(a.deletedAt), cursor ? gte(a.id, cursor) : undefined, searchFilter(search, [sql`${a.name}`, sql`${a.slug}`])),
      )
      .orderBy(asc(a.id))
      .limit(limit + 1);
    const { items, next } = paginate(rows, limit, (r) => r.id);
    return page(c, items.filter((r) => allowed(root, scoped("app", "read_app", r.id))).map(appResponse), next);
  });
