import { eq, and, isNull } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { requireAdmin } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { ok, defineRoute, z, type App } from "../../route";
import { resumeWebhooks } from "../../../lib/webhooks/deliver";

export const route = defineRoute({
  operationId: "workspaces.updateWorkspace",
  summary: "Update a workspace (operator)",
  description:
    "Our extension, authenticated with ADMIN_KEY. `enabled: false` makes every root key of the workspace fail with workspace_disabled; `apiRateLimitPerMinute` sets the per-workspace API limit (null = unlimited, 0 = reject every request).",
  auth: "adminKey",
  errors: [404],
  body: z.object({
    workspaceId: z.string().min(3).max(255),
    name: z.string().min(1).max(255).optional(),
    enabled: z.boolean().optional(),
    apiRateLimitPerMinute: z.number().int().min(0).max(1_000_000_000).nullable().optional(),
    analyticsEnabled: z.boolean().optional(),
    analyticsRetentionDays: z.number().int().min(1).max(3650).optional(),
    auditRetentionDays: z.number().int().min(1).max(3650).optional(),
    disableLeakedKeys: z.boolean().optional(),
  }),
  data: z.object({}),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { workspaceId, ...changes } = c.req.valid("json");
    requireAdmin(c);
    const d = db(c.env.DB);
    const ws = await d.query.workspaces.findFirst({
      where: and(eq(schema.workspaces.id, workspaceId), isNull(schema.workspaces.deletedAt)),
    });
    if (!ws) throw new ApiError("unkey/data/workspace_not_found", "The requested workspace does not exist.");
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    await d.batch([
      d
        .update(schema.workspaces)
        .set({ ...set, updatedAt: Date.now() })
        .where(eq(schema.workspaces.id, workspaceId)),
      ...auditInserts(c.var.scope, workspaceId, [
        {
          event: "workspace.update",
          description: `Updated workspace ${workspaceId}`,
          targets: [{ type: "workspace", id: workspaceId, name: ws.name }],
          meta: set,
        },
      ]),
    ]);
    // root-key lookups embed the workspace row: drop them so the change applies at once here
    const hashes = await d.select({ hash: schema.rootKeys.hash }).from(schema.rootKeys).where(eq(schema.rootKeys.workspaceId, workspaceId));
    await c.var.scope.cache.remove("rootKeyByHash", ...hashes.map((h) => h.hash));
    // key verification caches the workspace's `enabled` flag with each keyspace's state
    if (set.enabled !== undefined) {
      const keyspaces = await d.select({ id: schema.keyspaces.id }).from(schema.keyspaces).where(eq(schema.keyspaces.workspaceId, workspaceId));
      await c.var.scope.cache.remove("keyspaceById", ...keyspaces.map((k) => k.id));
    }
    // webhooks paused while the workspace was disabled resume now (docs/webhooks.md)
    if (set.enabled === true) c.executionCtx.waitUntil(resumeWebhooks(c.env, workspaceId));
    return ok(c, {});
  });
