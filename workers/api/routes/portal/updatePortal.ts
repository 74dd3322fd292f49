import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { findPortal, portalColor, portalDocs, portalForAction, portalIdentifier, portalLogoUrl, portalName, portalSlug } from "../../../lib/portal/portals";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "portal.updatePortal",
  summary: "Update a customer portal",
  description:
    "Our extension: changes a portal's slug, branding, docs page or enabled flag. Omitted fields keep their value; null clears an optional one. A disabled portal mints no sessions. Needs `portal.*.update_portal` or `portal.<portalId>.update_portal`.",
  errors: [404, 409],
  body: z.object({
    portal: portalIdentifier,
    slug: portalSlug.optional(),
    name: portalName.nullable().optional(),
    logoUrl: portalLogoUrl.nullable().optional(),
    primaryColor: portalColor.optional(),
    docsMarkdown: portalDocs.nullable().optional(),
    enabled: z.boolean().optional(),
  }),
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { portal: idOrSlug, ...changes } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const portal = await portalForAction(d, root, idOrSlug, "update_portal");
    const conflict = () => new ApiError("unkey/data/portal_already_exists", `A portal with the slug "${changes.slug}" already exists in this workspace.`);
    if (changes.slug !== undefined && changes.slug !== portal.slug) {
      const other = await findPortal(d, root.workspaceId, changes.slug);
      if (other && other.id !== portal.id) throw conflict();
    }
    const set: Partial<typeof schema.portals.$inferInsert> = { updatedAt: Date.now() };
    if (changes.slug !== undefined) set.slug = changes.slug;
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.logoUrl !== undefined) set.logoUrl = changes.logoUrl;
    if (changes.primaryColor !== undefined) set.primaryColor = changes.primaryColor.toLowerCase();
    if (changes.docsMarkdown !== undefined) set.docsMarkdown = changes.docsMarkdown;
    if (changes.enabled !== undefined) set.enabled = changes.enabled;
    const { docsMarkdown: _docs, ...metaChanges } = changes;
    try {
      await d.batch([
        d.update(schema.portals).set(set).where(eq(schema.portals.id, portal.id)),
        ...auditInserts(c.var.scope, root.workspaceId, [
          {
            event: "portal.update",
            description: `Updated portal ${portal.id}`,
            targets: [{ type: "portal", id: portal.id, name: changes.slug ?? portal.slug }],
            meta: { ...metaChanges, ...(changes.docsMarkdown !== undefined ? { docsMarkdownChanged: true } : {}) },
          },
        ]),
      ]);
    } catch (err) {
      if (String((err as Error)?.message ?? err).includes("UNIQUE")) throw conflict();
      throw err;
    }
    return ok(c, {});
  });
