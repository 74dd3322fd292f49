import { authorize } from "../../middleware/auth";
import { apiAction } from "../../../lib/auth/permissions";
import { getApiOrThrow } from "../../../lib/apis";
import { ok, defineRoute, z, type App } from "../../route";
import { apiIdSchema } from "./schemas";

export const route = defineRoute({
  operationId: "apis.getApi",
  summary: "Get an API",
  description: "Returns an API's id and name, plus its keyspace id. Needs `api.*.read_api` or `api.<apiId>.read_api`.",
  errors: [404],
  body: z.object({ apiId: apiIdSchema }),
  data: z.object({ id: z.string(), name: z.string(), keySpaceId: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { apiId } = c.req.valid("json");
    const root = await authorize(c, apiAction(apiId, "read_api"));
    const api = await getApiOrThrow(c.var.scope.db, root.workspaceId, apiId);
    return ok(c, { id: api.id, name: api.name, keySpaceId: api.keyspaceId });
  });
