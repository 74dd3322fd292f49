import { and, asc, eq, gte, isNull, sql } from "drizzle-orm";
import { searchFilter } from "../../../lib/search";
import { rootKeyAuth } from "../../middleware/auth";
import { db, schema } from "../../../lib/db";
import { identityRatelimits, requireIdentityAction, toIdentityResponse } from "../../../lib/identities/identity";
import { Identity } from "../../../lib/keys/response";
import { page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "identities.listIdentities",
  summary: "List identities",
  description:
    "Lists the workspace's identities ordered by id, 1–100 per page (default 100), with cursor pagination. " +
    "`search` keeps identities whose id or externalId contains the text, ignoring case. Every identity on the page " +
    "must be readable: `identity.*.read_identity` or `identity.<identityId>.read_identity`.",
  paginated: true,
  body: z.object({
    limit: z.number().int().min(1).max(100).default(100),
    cursor: z.string().max(1024).optional().openapi({ description: "From the previous page's `pagination.cursor`." }),
    search: z.string().max(256).optional(),
  }),
  data: z.array(Identity),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const i = schema.identities;
    const search = body.search;
    const rows = await d
      .select()
      .from(i)
      .where(
        and(
          eq(i.workspaceId, root.workspaceId),
          isNull(i.deletedAt),
          body.cursor ? gte(i.id, body.cursor) : undefined,
          searchFilter(search, [sql`${i.id}`, sql`${i.externalId}`]),
        ),
      )
      .orderBy(asc(i.id))
      .limit(body.limit + 1);
    const { items, next } = paginate(rows, body.limit, (r) => r.id);
    for (const row of items) requireIdentityAction(root, "read_identity", row.id);
    const limits = await identityRatelimits(
      d,
      items.map((r) => r.id),
    );
    return page(
      c,
      items.map((r) => toIdentityResponse(r, limits.get(r.id))),
      next,
    );
  });
