import { db, schema } from "../../../lib/db";
import { newId } from "../../../lib/ids";
import { authorize } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { getApiOrThrow } from "../../../lib/apis";
import { ApiError } from "../../../lib/errors";
import { findPortal, portalColor, portalDocs, portalLogoUrl, portalName, portalSlug, DEFAULT_PRIMARY_COLOR } from "../../../lib/portal/portals";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "portal.createPortal",
  summary: "Create a customer portal",
  description:
    "Our extension (Unkey sets portals up for you): creates a branded portal where your end users manage their own keys of one API. The slug must be unique in the workspace. Needs `portal.*.create_portal`.",
  errors: [404, 409],
  body: z.object({
    slug: portalSlug,
    apiId: z
      .string()
      .min(3)
      .max(255)
      .regex(/^[a-zA-Z0-9_]+$/),
    name: portalName.optional(),
    logoUrl: portalLogoUrl.optional(),
    primaryColor: portalColor.optional(),
    docsMarkdown: portalDocs.optional(),
  }),
  data: z.object({ portalId: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await authorize(c, "portal.*.create_portal");
    const d = db(c.env.DB);
    const api = await getApiOrThrow(d, root.workspaceId, body.apiId, "The specified API was not found.");
    if (await findPortal(d, root.workspaceId, body.slug)) {
      throw new ApiError("unkey/data/portal_already_exists", `A portal with the slug "${body.slug}" already exists in this workspace.`);
    }
    const portalId = newId("pc");
    const now = Date.now();
    try {
      await d.batch([
        d.insert(schema.portals).values({
          id: portalId,
          workspaceId: root.workspaceId,
          slug: body.slug,
          apiId: api.id,
          keyspaceId: api.keyspaceId,
          name: body.name ?? null,
          logoUrl: body.logoUrl ?? null,
          primaryColor: (body.primaryColor ?? DEFAULT_PRIMARY_COLOR).toLowerCase(),
          docsMarkdown: body.docsMarkdown ?? null,
          createdAt: now,
        }),
        ...auditInserts(c.var.scope, root.workspaceId, [
          {
            event: "portal.create",
            description: `Created portal ${portalId} (${body.slug})`,
            targets: [
              { type: "portal", id: portalId, name: body.slug },
              { type: "api", id: api.id, name: api.name },
            ],
          },
        ]),
      ]);
    } catch (err) {
      // a concurrent create of the same slug lost the race on the unique index
      if (String((err as Error)?.message ?? err).includes("UNIQUE")) {
        throw new ApiError("unkey/data/portal_already_exists", `A portal with the slug "${body.slug}" already exists in this workspace.`);
      }
      throw err;
    }
    return ok(c, { portalId });
  });
