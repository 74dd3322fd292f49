import { and, asc, eq, gte, sql } from "drizzle-orm";
import { searchFilter } from "../../../lib/search";
import { db, schema } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { allowed, scoped } from "../../../lib/deploy/access";
import { baseDomain } from "../../../lib/deploy/hostnames";
import { domainResponse } from "../../../lib/deploy/domains";
import { environmentNotFound, getEnvironmentOrThrow } from "../../../lib/deploy/resources";
import { DomainData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "domains.listDomains",
  summary: "List custom domains",
  description:
    "Lists the custom domains of an environment ordered by id, optionally filtered by a search over the name; an environment without domains gives an empty list. Needs `environment.*.read_domain` or `environment.<environmentId>.read_domain`; without it the environment is reported as not found.",
  errors: [404],
  paginated: true,
  body: z.object({
    project: ResourceIdentifier,
    app: ResourceIdentifier,
    environment: ResourceIdentifier,
    limit: z.number().int().min(1).max(100).default(100),
    cursor: z.string().max(1024).optional(),
    search: z.string().max(256).optional(),
  }),
  data: z.array(DomainData),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const { environment } = await getEnvironmentOrThrow(d, root.workspaceId, b.project, b.app, b.environment);
    if (!allowed(root, scoped("environment", "read_domain", environment.id))) throw environmentNotFound();
    const t = schema.customDomains;
    const rows = await d
      .select()
      .from(t)
      .where(and(eq(t.environmentId, environment.id), b.cursor ? gte(t.id, b.cursor) : undefined, searchFilter(b.search, [sql`${t.domain}`])))
      .orderBy(asc(t.id))
      .limit(b.limit + 1);
    const { items, next } = paginate(rows, b.limit, (r) => r.id);
    const base = baseDomain(c.env);
    return page(
      c,
      items.map((r) => domainResponse(r, base)),
      next,
    );
  });
