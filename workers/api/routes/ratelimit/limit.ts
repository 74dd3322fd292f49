import { rootKeyAuth } from "../../middleware/auth";
import { limitForRootKey } from "../../../lib/ratelimit/service";
import { compact, ok, defineRoute, z, type App } from "../../route";
import { LimitRequest } from "./schemas";

export const route = defineRoute({
  operationId: "ratelimit.limit",
  summary: "Check and spend a rate limit",
  description:
    "Counts one request (or `cost` tokens) for an identifier in a namespace with a sliding window and says whether it fits. " +
    "The answer is HTTP 200 either way; read `success`. An override stored for the identifier replaces `limit` and `duration`. " +
    "An unknown namespace is created on the spot when the root key holds `ratelimit.*.create_namespace`. " +
    "Needs `ratelimit.*.limit` or `ratelimit.<namespaceId>.limit`.",
  errors: [410],
  body: LimitRequest,
  data: z.object({
    success: z.boolean(),
    limit: z.number().int(),
    remaining: z.number().int(),
    reset: z.number().int(),
    overrideId: z.string().optional(),
  }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const r = await limitForRootKey(c.var.scope, root, body);
    return ok(c, compact({ success: r.passed, limit: r.limit, remaining: r.remaining, reset: r.reset, overrideId: r.overrideId }));
  });
