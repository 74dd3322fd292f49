import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { portalForAction, portalIdentifier, portalResponse, PortalResponse } from "../../../lib/portal/portals";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "portal.getPortal",
  summary: "Get a customer portal",
  description: "Our extension: returns a portal's configuration by id or slug. Needs `portal.*.read_portal` or `portal.<portalId>.read_portal`.",
  errors: [404],
  body: z.object({ portal: portalIdentifier }),
  data: PortalResponse,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { portal: idOrSlug } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const portal = await portalForAction(db(c.env.DB), root, idOrSlug, "read_portal");
    return ok(c, portalResponse(portal));
  });
