import { or } from "../../../lib/auth/permissions";
import { satisfies } from "../../../lib/auth/permissions";
import { rootKeyAuth } from "../../middleware/auth";
import { grantsResource } from "../../../lib/rbac/keyAccess";
import { liveNamespaceOr404, matchOverride, overrideNotFound } from "../../../lib/ratelimit/namespaces";
import { ok, defineRoute, type App } from "../../route";
import { NamespaceAndIdentifier, RatelimitOverride } from "./schemas";

export const route = defineRoute({
  operationId: "ratelimit.getOverride",
  summary: "Get the override that applies to an identifier",
  description:
    "Resolves an identifier the way `ratelimit.limit` does (exact override first, then the best matching pattern) " +
    "and returns that override, whose `identifier` may be a pattern. A root key without `ratelimit.*.read_override` " +
    "or `ratelimit.<namespaceId>.read_override` gets the same 404 as for a missing override.",
  errors: [404],
  body: NamespaceAndIdentifier,
  data: RatelimitOverride,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const ns = await liveNamespaceOr404(c.var.scope, root.workspaceId, body.namespace);
    const found = await matchOverride(c.var.scope, ns.id, body.identifier);
    const allowed =
      found &&
      (satisfies(root, or(`ratelimit.${ns.id}.read_override`, "ratelimit.*.read_override")) ||
        grantsResource(root, `ratelimits/namespaces/${ns.id}/overrides/${found.id}`, "read_override"));
    if (!found || !allowed) {
      throw overrideNotFound();
    }
    return ok(c, { overrideId: found.id, identifier: found.identifier, limit: found.limit, duration: found.duration });
  });
