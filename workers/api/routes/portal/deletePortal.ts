import { and, eq, isNotNull } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { portalForAction, portalIdentifier } from "../../../lib/portal/portals";
import { forgetSessions } from "../../../lib/portal/sessions";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "portal.deletePortal",
  summary: "Delete a customer portal",
  description:
    "Our extension: deletes a portal together with its sessions, so every open portal visit ends at once. Keys are not touched. Needs `portal.*.delete_portal` or `portal.<portalId>.delete_portal`.",
  errors: [404],
  body: z.object({ portal: portalIdentifier }),
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { portal: idOrSlug } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const portal = await portalForAction(d, root, idOrSlug, "delete_portal");
    const open = await d
      .select({ hash: schema.portalSessions.accessTokenHash })
      .from(schema.portalSessions)
      .where(and(eq(schema.portalSessions.portalId, portal.id), isNotNull(schema.portalSessions.accessTokenHash)));
    await d.batch([
      d.delete(schema.portalSessions).where(eq(schema.portalSessions.portalId, portal.id)),
      d.delete(schema.portals).where(eq(schema.portals.id, portal.id)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "portal.delete",
          description: `Deleted portal ${portal.id} (${portal.slug})`,
          targets: [{ type: "portal", id: portal.id, name: portal.slug }],
        },
      ]),
    ]);
    await forgetSessions(
      c.var.scope,
      open.map((r) => r.hash!),
    );
    return ok(c, {});
  });
