import { and, eq, sql } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { newId } from "../../../lib/ids";
import { authorize } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { isUniqueViolation, ApiError } from "../../../lib/errors";
import { permissionSlug } from "../../../lib/rbac/model";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "permissions.createPermission",
  summary: "Create a permission",
  description:
    "Adds a permission to the workspace. The slug is what keys are checked against during verification and must be unique in the workspace; the name is a free-form label. Needs `rbac.*.create_permission`.",
  errors: [409],
  body: z.object({
    name: z.string().min(1).max(512),
    slug: permissionSlug,
    description: z.string().max(512).optional(),
  }),
  data: z.object({
    permissionId: z
      .string()
      .min(3)
      .max(255)
      .regex(/^[a-zA-Z0-9_]+$/),
  }),
});

export const permissionExists = (slug: string) =>
  new ApiError("unkey/data/permission_already_exists", `A permission with slug '${slug}' already exists in this workspace`);

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await authorize(c, "rbac.*.create_permission");
    const d = db(c.env.DB);
    const p = schema.permissions;
    const clash = await d
      .select({ id: p.id })
      .from(p)
      // case-insensitively, as Unkey's unique index compares slugs
      .where(and(eq(p.workspaceId, root.workspaceId), sql`lower(${p.slug}) = ${body.slug.toLowerCase()}`))
      .limit(1);
    if (clash.length > 0) throw permissionExists(body.slug);
    const permissionId = newId("perm");
    try {
      await d.batch([
        d.insert(p).values({
          id: permissionId,
          workspaceId: root.workspaceId,
          name: body.name,
          slug: body.slug,
          description: body.description ?? null,
          createdAt: Date.now(),
        }),
        ...auditInserts(c.var.scope, root.workspaceId, [
          {
            event: "permission.create",
            description: `Created ${permissionId} (${body.slug})`,
            targets: [{ type: "permission", id: permissionId, name: body.slug }],
          },
        ]),
      ]);
    } catch (e) {
      // lost a race with a concurrent create of the same slug: nothing was written
      if (isUniqueViolation(e)) throw permissionExists(body.slug);
      throw e;
    }
    return ok(c, { permissionId });
  });
