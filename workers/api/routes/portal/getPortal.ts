import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../../lib/auth/rootKey";
import { portalForAction, portalIdentifier, portalResponse, PortalResponse } from "../../../lib/portal/portals";
import { ok, rpcRoute, z, type App } from "../../rpc";

export const route = rpcRoute({
  operationId: "portal.getPortal",
  summary: "Get a customer portal",
  description:
    "Our extension: returns a portal's configuration by id or slug. Needs `portal.*.read_portal` or `portal.<portalId>.read_portal`.",
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
