import { and, eq, isNull } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "rootKeys.deleteRootKey",
  summary: "Delete a root key",
  description: "Our extension. Revokes a root key of the workspace at once. Needs `workspace.*.delete_root_key`.",
  errors: [404],
  body: z.object({
    keyId: z
      .string()
      .min(3)
      .max(255)
      .regex(/^[a-zA-Z0-9_]+$/),
  }),
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { keyId } = c.req.valid("json");
    const root = await authorize(c, "workspace.*.delete_root_key");
    const t = schema.rootKeys;
    const d = db(c.env.DB);
    const row = await d.query.rootKeys.findFirst({
      where: and(eq(t.id, keyId), eq(t.workspaceId, root.workspaceId), isNull(t.deletedAt)),
    });
    if (!row) throw new ApiError("unkey/data/root_key_not_found", "The requested root key does not exist or has been deleted.");
    await d.batch([
      d.update(t).set({ deletedAt: Date.now() }).where(eq(t.id, keyId)),
      ...auditInserts(c.var.scope, root.workspaceId, [
        { event: "rootKey.delete", description: `Deleted root key ${keyId}`, targets: [{ type: "rootKey", id: keyId, name: row.name }] },
      ]),
    ]);
    await c.var.scope.cache.remove("rootKeyByHash", row.hash);
    return ok(c, {});
  });
