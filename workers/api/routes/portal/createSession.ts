import { rootKeyAuth } from "../../middleware/auth";
import { invalidInput } from "../../../lib/errors";
import { portalIdentifier } from "../../../lib/portal/portals";
import { createPortalSession, PORTAL_SCOPES } from "../../../lib/portal/sessions";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "portal.createSession",
  summary: "Create portal session",
  description: [
    "Starts a customer-portal visit for one of your end users (by `externalId`) and returns the URL to send them to. The URL carries a one-time code that works for 15 minutes; the portal trades it for a 24-hour session. Treat the URL as a secret.",
    "",
    "Authorization has two steps. The root key needs `portal.*.create_portal_session` or `portal.<portalId>.create_portal_session`; without it the portal is reported as not found (404). Then every requested scope must be covered by the root key's own grants on the portal's API: `keys:read` needs `read_key` and `read_api`, `keys:create` and `keys:reroll` need `create_key` (plus `encrypt_key` when the API stores encrypted keys), `analytics:read` needs `read_analytics` — as `api.*.<action>` or `api.<apiId>.<action>`. One missing grant refuses the whole request with 403.",
  ].join("\n"),
  errors: [404],
  body: z.object({
    portal: portalIdentifier,
    externalId: z.string().min(1).max(256),
    scopes: z.array(z.enum(PORTAL_SCOPES)).min(1),
    preview: z.boolean().default(false),
    returnUrl: z.string().max(500).optional(),
  }),
  data: z.object({ id: z.string(), url: z.string() }),
});

/** Only absolute http(s) URLs may be a return link: the portal renders it as a link. */
function checkReturnUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidInput("`returnUrl` must be an absolute URL.", [{ location: "/body/returnUrl", message: "must be an absolute URL" }]);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw invalidInput("`returnUrl` must use http or https.", [{ location: "/body/returnUrl", message: "must use http or https" }]);
  }
  return value;
}

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const returnUrl = checkReturnUrl(body.returnUrl);
    const root = await rootKeyAuth(c);
    const session = await createPortalSession(c.var.scope, root, { ...body, returnUrl }, c.req.url);
    c.header("Cache-Control", "no-store");
    c.header("Pragma", "no-cache");
    return ok(c, session);
  });
