import { db, schema } from "../../../lib/db";
import { newId } from "../../../lib/ids";
import { authorize } from "../../middleware/auth";
import { exactly } from "../../../lib/auth/permissions";
import { auditInserts } from "../../../lib/audit";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "apis.createApi",
  summary: "Create an API",
  description: "Creates an API (and its keyspace) to group keys, e.g. one per service or environment. Names need not be unique. Needs `api.*.create_api`.",
  body: z.object({ name: z.string().min(3).max(256) }),
  data: z.object({ apiId: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { name } = c.req.valid("json");
    const root = await authorize(c, exactly("api.*.create_api"));
    const apiId = newId("api");
    const keyspaceId = newId("ks");
    const now = Date.now();
    const d = db(c.env.DB);
    await d.batch([
      d.insert(schema.keyspaces).values({ id: keyspaceId, workspaceId: root.workspaceId, createdAt: now }),
      d.insert(schema.apis).values({ id: apiId, workspaceId: root.workspaceId, keyspaceId, name, createdAt: now }),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "api.create",
          description: `Created API ${apiId}`,
          targets: [
            { type: "api", id: apiId, name },
            { type: "keySpace", id: keyspaceId },
          ],
        },
      ]),
    ]);
    return ok(c, { apiId });
  });
