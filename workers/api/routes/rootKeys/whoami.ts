import { authorize } from "../../middleware/auth";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "rootKeys.whoami",
  summary: "Describe the calling root key",
  description:
    "Our extension. Answers which root key this is, the workspace it belongs to and the permissions it holds, so a client (such as `unkey auth login`) can check a root key before storing it. Any valid root key may call it; no permission is needed.",
  body: z.object({}),
  data: z.object({
    keyId: z.string(),
    name: z.string().optional(),
    workspaceId: z.string(),
    workspaceName: z.string(),
    fullAccess: z.boolean().openapi({ description: "true for a workspace's first key: it may do everything, whatever `permissions` lists" }),
    permissions: z.array(z.string()),
  }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    c.req.valid("json");
    // authentication only: every valid root key may learn about itself
    const root = await authorize(c);
    return ok(c, {
      keyId: root.id,
      ...(root.name ? { name: root.name } : {}),
      workspaceId: root.workspaceId,
      workspaceName: root.workspace.name,
      fullAccess: root.fullAccess,
      permissions: [...root.permissions].sort(),
    });
  });
