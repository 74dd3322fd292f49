import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { apiAction } from "../../../lib/auth/permissions";
import { getApiOrThrow } from "../../../lib/apis";
import { auditInserts } from "../../../lib/audit";
import { newId } from "../../../lib/ids";
import { MIGRATION_ALGORITHMS } from "../../../lib/keys/migrations";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "keys.createMigration",
  summary: "Create a key migration",
  description:
    "Our extension (Unkey sets migrations up by hand): registers how the hashes of keys imported from another system were computed, for keys.migrateKeys and for keys.verifyKey's `migrationId`. " +
    "`sha256_base64` (or `sha256`): base64 SHA-256 of the whole key; `sha256_hex`: hex SHA-256 of the whole key; `github.com/seamapi/prefixed-api-key`: hex SHA-256 of the long token of `<prefix>_<short>_<long>` keys, rewritten to the native hash on first verification. " +
    "Needs `api.*.create_key` or `api.<apiId>.create_key`.",
  errors: [404],
  body: z.object({
    apiId: z
      .string()
      .min(3)
      .max(255)
      .regex(/^[a-zA-Z0-9_]+$/),
    hash: z.enum(MIGRATION_ALGORITHMS),
  }),
  data: z.object({ migrationId: z.string() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { apiId, hash } = c.req.valid("json");
    const root = await authorize(c, apiAction(apiId, "create_key"));
    const d = db(c.env.DB);
    const api = await getApiOrThrow(d, root.workspaceId, apiId);
    const migrationId = newId("mig");
    await d.batch([
      d.insert(schema.keyMigrations).values({ id: migrationId, workspaceId: root.workspaceId, apiId: api.id, algorithm: hash, createdAt: Date.now() }),
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "migration.create",
          description: `Created key migration ${migrationId} (${hash}) for API ${api.id}`,
          targets: [
            { type: "migration", id: migrationId },
            { type: "api", id: api.id, name: api.name },
          ],
          meta: { algorithm: hash },
        },
      ]),
    ]);
    return ok(c, { migrationId });
  });
