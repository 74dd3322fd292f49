import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { canDelegate } from "../../../lib/auth/permissions";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { mintRootKey } from "../../../lib/rootKeys";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "rootKeys.createRootKey",
  summary: "Create a root key",
  description:
    "Our extension. Mints a root key for the caller's workspace holding exactly the given permissions. Needs `workspace.*.create_root_key`; a root key can only hand out permissions it holds itself.",
  body: z.object({
    name: z.string().min(1).max(255),
    permissions: z.array(z.string().min(1).max(512)).max(1000),
    expires: z.number().int().min(0).max(4_102_444_800_000).optional(),
  }),
  data: z.object({ keyId: z.string(), key: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await authorize(c, "workspace.*.create_root_key");
    const permissions = [...new Set(body.permissions)];
    const denied = permissions.filter((p) => !canDelegate(root, p));
    if (denied.length > 0) {
      throw new ApiError(
        "unkey/authorization/insufficient_permissions",
        `A root key cannot grant permissions it does not hold itself: ${denied.map((p) => `'${p}'`).join(", ")}`,
      );
    }
    const minted = await mintRootKey({
      workspaceId: root.workspaceId,
      name: body.name,
      permissions,
      fullAccess: false,
      createdBy: root.id,
    });
    const d = db(c.env.DB);
    await d.batch([
      d.insert(schema.rootKeys).values({ ...minted.row, expires: body.expires ?? null }),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "rootKey.create",
          description: `Created root key ${minted.row.id}`,
          targets: [{ type: "rootKey", id: minted.row.id, name: body.name }],
          meta: { permissions },
        },
      ]),
    ]);
    return ok(c, { keyId: minted.row.id, key: minted.key });
  });
