import { and, asc, eq, gte } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { getEnvironmentOrThrow } from "../../../lib/deploy/resources";
import { openVariables } from "../../../lib/deploy/variables";
import { ResourceIdentifier } from "../../../lib/deploy/schemas";
import { compact, page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "environments.listEnvironmentVariables",
  summary: "List environment variables",
  description:
    "Lists an environment's variables ordered by key. Values are returned only for `recoverable` variables; `writeonly` ones never leave the vault. Needs `environment.*.read_environment_variables` or `environment.<environmentId>.read_environment_variables`.",
  errors: [404],
  paginated: true,
  body: z.object({
    project: ResourceIdentifier,
    app: ResourceIdentifier,
    environment: ResourceIdentifier,
    limit: z.number().int().min(1).max(100).default(100),
    cursor: z.string().min(1).max(1024).optional(),
  }),
  data: z.array(
    z.object({
      key: z.string(),
      kind: z.enum(["recoverable", "writeonly"]),
      value: z.string().optional(),
      description: z.string().optional(),
      createdAt: z.number().int(),
    }),
  ),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "environment", "read_environment_variables");
    const d = db(c.env.DB);
    const { environment } = await getEnvironmentOrThrow(d, root.workspaceId, b.project, b.app, b.environment);
    requirePermission(root, scoped("environment", "read_environment_variables", environment.id));
    const v = schema.environmentVariables;
    const rows = await d
      .select()
      .from(v)
      .where(and(eq(v.environmentId, environment.id), b.cursor ? gte(v.key, b.cursor) : undefined))
      .orderBy(asc(v.key))
      .limit(b.limit + 1);
    const { items, next } = paginate(rows, b.limit, (r) => r.key);
    const recoverable = items.filter((r) => r.kind === "recoverable");
    const plain = recoverable.length ? await openVariables(c.env, d, root.workspaceId, environment.id, recoverable) : new Map<string, string>();
    return page(
      c,
      items.map((r) =>
        compact({
          key: r.key,
          kind: r.kind,
          value: r.kind === "recoverable" ? plain.get(r.key) : undefined,
          description: r.description,
          createdAt: r.createdAt,
        }),
      ),
      next,
    );
  });
