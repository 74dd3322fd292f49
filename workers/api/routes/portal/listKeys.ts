import { db } from "../../../lib/db";
import { KeyResponseData, loadKeyResponses } from "../../../lib/keys/response";
import { listOwnedKeys } from "../../../lib/portal/keys";
import { requireScope } from "../../../lib/portal/sessions";
import { portalSessionAuth } from "../../middleware/auth";
import { page, paginate, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "portal.listKeys",
  summary: "List portal keys",
  description:
    "Lists the keys of the signed-in portal user, ordered by key id, 1–100 per page. Authenticates with the `portal_session` cookie only and needs the `keys:read` scope. Who and which API come from the session, never from the body: only live keys of the user's identity in the portal's API are listed.",
  auth: "portalSession",
  paginated: true,
  errors: [404],
  body: z.object({
    limit: z.number().int().min(1).max(100).default(100),
    cursor: z.string().min(1).max(255).optional(),
  }),
  data: z.array(KeyResponseData),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const session = await portalSessionAuth(c);
    requireScope(session, "keys:read");
    const d = db(c.env.DB);
    const rows = await listOwnedKeys(d, session, body.limit + 1, body.cursor);
    const { items, next } = paginate(rows, body.limit, (r) => r.id);
    // the standard key object (identity, permissions, roles, limits, credits), never plaintext
    return page(c, await loadKeyResponses(c.env, d, session.workspaceId, items), next);
  });
