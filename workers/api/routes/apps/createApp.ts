import { db, schema } from "../../../lib/db";
import { newId } from "../../../lib/ids";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { defaultSettings, findApp, generatedEnvironmentRoutes, getProjectOrThrow, slugsOf } from "../../../lib/deploy/resources";
import { AppGit, Name, ResourceIdentifier, Slug } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "apps.createApp",
  summary: "Create an app",
  description:
    "Creates an app in a project together with its `production` and `preview` environments, and reserves its generated hostnames. Slugs are unique within the project. Needs `project.*.create_app` or `project.<projectId>.create_app`.",
  errors: [404, 409],
  body: z.object({ project: ResourceIdentifier, name: Name, slug: Slug, git: AppGit.strict().optional() }),
  data: z.object({ appId: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "project", "create_app");
    const d = db(c.env.DB);
    const project = await getProjectOrThrow(d, root.workspaceId, body.project);
    requirePermission(root, scoped("project", "create_app", project.id));
    const clash = await findApp(d, project, body.slug);
    if (clash && clash.slug === body.slug)
      throw new ApiError("unkey/data/app_already_exists", `An app with the slug '${body.slug}' already exists in this project.`);
    const appId = newId("app");
    const now = Date.now();
    const envs = (["production", "preview"] as const).map((kind) => ({ id: newId("env"), slug: kind, kind }));
    const slugs = await slugsOf(root.workspaceId, project, { slug: body.slug } as never);
    const routes = envs.flatMap((e) => generatedEnvironmentRoutes(root.workspaceId, project.id, appId, e, slugs, now));
    await d.batch([
      d.insert(schema.deployApps).values({
        id: appId,
        workspaceId: root.workspaceId,
        projectId: project.id,
        name: body.name,
        slug: body.slug,
        gitRepository: body.git?.repository ?? null,
        gitDefaultBranch: body.git?.defaultBranch ?? null,
        createdAt: now,
      }),
      d
        .insert(schema.environments)
        .values(
          envs.map((e) => ({ ...e, workspaceId: root.workspaceId, projectId: project.id, appId, settings: defaultSettings(), policies: [], createdAt: now })),
        ),
      d.insert(schema.gatewayRoutes).values(routes).onConflictDoNothing(),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "app.create",
          description: `Created app ${appId}`,
          targets: [
            { type: "app", id: appId, name: body.name },
            { type: "project", id: project.id, name: project.name },
            ...envs.map((e) => ({ type: "environment", id: e.id, name: e.slug })),
          ],
        },
        // Unkey records each environment an app comes with as its own event
        ...envs.map((e) => ({
          event: "environment.create",
          description: `Created environment ${e.id} (${e.slug}) of app ${appId}`,
          targets: [
            { type: "environment", id: e.id, name: e.slug },
            { type: "app", id: appId, name: body.name },
          ],
        })),
      ]),
    ]);
    return ok(c, { appId });
  });
