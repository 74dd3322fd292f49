import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { appResponse, findApp, getAppOrThrow } from "../../../lib/deploy/resources";
import { rebuildGeneratedRoutes } from "../../../lib/deploy/routing";
import { AppData, Name, ResourceIdentifier, Slug } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "apps.updateApp",
  summary: "Update an app",
  description:
    "Changes an app's name, slug, git connection (`null` disconnects) or delete protection; omitted fields stay. A new slug changes the app's generated hostnames. Needs `app.*.update_app` or `app.<appId>.update_app`.",
  errors: [404, 409],
  body: z.object({
    project: ResourceIdentifier,
    app: ResourceIdentifier,
    name: Name.optional(),
    slug: Slug.optional(),
    git: z
      .object({ repository: z.string().min(1).max(255).optional(), defaultBranch: z.string().min(1).max(256).optional() })
      .strict()
      .nullable()
      .optional(),
    deleteProtection: z.boolean().optional(),
  }),
  data: AppData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "app", "update_app");
    const d = db(c.env.DB);
    const { project, app: current } = await getAppOrThrow(d, root.workspaceId, body.project, body.app);
    requirePermission(root, scoped("app", "update_app", current.id));
    if (body.slug && body.slug !== current.slug) {
      const clash = await findApp(d, project, body.slug);
      if (clash && clash.id !== current.id && clash.slug === body.slug)
        throw new ApiError("unkey/data/app_already_exists", `An app with the slug '${body.slug}' already exists in this project.`);
    }
    const now = Date.now();
    const updated = {
      ...current,
      name: body.name ?? current.name,
      slug: body.slug ?? current.slug,
      gitRepository: body.git === null ? null : (body.git?.repository ?? current.gitRepository),
      gitDefaultBranch: body.git === null ? null : (body.git?.defaultBranch ?? current.gitDefaultBranch),
      deleteProtection: body.deleteProtection ?? current.deleteProtection,
      updatedAt: now,
    };
    if (updated.gitDefaultBranch && !updated.gitRepository)
      throw new ApiError("unkey/application/invalid_input", "A default branch needs a git repository.", {
        errors: [{ location: "/body/git/repository", message: "required with defaultBranch" }],
      });
    const routes =
      updated.slug !== current.slug
        ? await rebuildGeneratedRoutes(d, root.workspaceId, { appId: current.id }, { app: updated.slug })
        : { writes: [], removed: [] };
    await d.batch([
      d
        .update(schema.deployApps)
        .set({
          name: updated.name,
          slug: updated.slug,
          gitRepository: updated.gitRepository,
          gitDefaultBranch: updated.gitDefaultBranch,
          deleteProtection: updated.deleteProtection,
          updatedAt: now,
        })
        .where(eq(schema.deployApps.id, current.id)),
      ...routes.writes,
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "app.update",
          description: `Updated app ${current.id}`,
          targets: [
            { type: "app", id: current.id, name: updated.name },
            { type: "project", id: project.id },
          ],
        },
      ]),
    ]);
    return ok(c, appResponse(updated));
  });
