import { desc, eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { allowed, requireSomeScope, scoped } from "../../../lib/deploy/access";
import { baseDomain } from "../../../lib/deploy/hostnames";
import { environmentHostnames, environmentResponse, getAppOrThrow } from "../../../lib/deploy/resources";
import { EnvironmentData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "environments.listEnvironments",
  summary: "List environments",
  description: "Lists every environment of an app (production first), without pagination. Needs `environment.*.read_environment` (or per-environment grants).",
  errors: [404],
  body: z.object({ project: ResourceIdentifier, app: ResourceIdentifier }),
  data: z.array(EnvironmentData),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "environment", "read_environment");
    const d = db(c.env.DB);
    const { app: a } = await getAppOrThrow(d, root.workspaceId, body.project, body.app);
    const rows = await d.select().from(schema.environments).where(eq(schema.environments.appId, a.id)).orderBy(desc(schema.environments.kind));
    const base = baseDomain(c.env);
    const visible = rows.filter((e) => allowed(root, scoped("environment", "read_environment", e.id)));
    const out = await Promise.all(visible.map(async (e) => environmentResponse(e, await environmentHostnames(d, e.id, base))));
    return ok(c, out) as never;
  });
