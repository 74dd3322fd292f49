import { db } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { apiAction, satisfies } from "../../../lib/auth/permissions";
import { findMigration, migrationNotFound } from "../../../lib/keys/migrations";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "keys.getMigration",
  summary: "Get a key migration",
  description:
    "Our extension. Answers the API and hash algorithm of a migration created with keys.createMigration, so a client (such as `unkey api keys migrate-keys`) can check hashes before sending them. " +
    "Needs `api.*.create_key` or `api.<apiId>.create_key` on the migration's API; without it the migration is reported as not found.",
  errors: [404],
  body: z.object({
    migrationId: z
      .string()
      .min(3)
      .max(255)
      .regex(/^[a-zA-Z0-9_]+$/),
  }),
  data: z.object({ migrationId: z.string(), apiId: z.string(), hash: z.string(), createdAt: z.number().int() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { migrationId } = c.req.valid("json");
    const root = await authorize(c);
    const m = await findMigration(db(c.env.DB), root.workspaceId, migrationId);
    // a key that may not migrate into the API learns nothing about the migration, not even that it exists
    if (!m || !satisfies(root, apiAction(m.apiId, "create_key"))) throw migrationNotFound();
    return ok(c, { migrationId: m.id, apiId: m.apiId, hash: m.algorithm, createdAt: m.createdAt });
  });
