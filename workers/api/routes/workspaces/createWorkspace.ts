import { db, schema } from "../../../lib/db";
import { newId } from "../../../lib/ids";
import { requireAdmin } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { mintRootKey } from "../../../lib/rootKeys";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "workspaces.createWorkspace",
  summary: "Create a workspace (operator)",
  description:
    "Our extension, authenticated with the operator's ADMIN_KEY. Creates a workspace with every capability enabled and returns its first root key, which has full access to the workspace.",
  auth: "adminKey",
  body: z.object({ name: z.string().min(1).max(255) }),
  data: z.object({ workspaceId: z.string(), rootKey: z.string(), rootKeyId: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { name } = c.req.valid("json");
    requireAdmin(c);
    const workspaceId = newId("ws");
    const now = Date.now();
    const root = await mintRootKey({ workspaceId, name: "Initial root key", fullAccess: true, permissions: [], createdBy: "admin" });
    const d = db(c.env.DB);
    await d.batch([
      d.insert(schema.workspaces).values({ id: workspaceId, name, createdAt: now }),
      d.insert(schema.rootKeys).values(root.row),
      ...auditInserts(c.var.scope, workspaceId, [
        {
          event: "workspace.create",
          description: `Created workspace ${workspaceId}`,
          targets: [{ type: "workspace", id: workspaceId, name }],
        },
        {
          event: "rootKey.create",
          description: `Created root key ${root.row.id} with full access`,
          targets: [{ type: "rootKey", id: root.row.id }],
        },
      ]),
    ]);
    return ok(c, { workspaceId, rootKey: root.key, rootKeyId: root.row.id });
  });
