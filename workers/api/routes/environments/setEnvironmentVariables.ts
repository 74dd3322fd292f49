import { and, eq, notInArray } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { newId } from "../../../lib/ids";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { invalidInput } from "../../../lib/errors";
import { requireSomeScope, scoped } from "../../../lib/deploy/access";
import { getEnvironmentOrThrow } from "../../../lib/deploy/resources";
import { sealVariable } from "../../../lib/deploy/variables";
import { EmptyData, ResourceIdentifier } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";
import { VariableKey } from "./schemas";

/** Names the platform sets itself; they cannot be overridden. */
const SYSTEM = new Set([
  "PORT",
  "UNKEY_DEPLOYMENT_ID",
  "UNKEY_ENVIRONMENT_SLUG",
  "UNKEY_REGION",
  "UNKEY_INSTANCE_ID",
  "UNKEY_GIT_COMMIT_SHA",
  "UNKEY_GIT_BRANCH",
  "UNKEY_GIT_REPO",
  "UNKEY_GIT_COMMIT_MESSAGE",
  "UNKEY_EPHEMERAL_DISK_PATH",
]);

export const route = defineRoute({
  operationId: "environments.setEnvironmentVariables",
  summary: "Set environment variables",
  description:
    "Creates or fully overwrites the listed variables of an environment (omitted fields reset to defaults); with `prune` every unlisted variable is deleted. Atomic. Values are encrypted at rest and reach deployments created afterwards. Needs `environment.*.set_environment_variables` or `environment.<environmentId>.set_environment_variables`.",
  errors: [404],
  body: z.object({
    project: ResourceIdentifier,
    app: ResourceIdentifier,
    environment: ResourceIdentifier,
    variables: z
      .array(
        z
          .object({
            key: VariableKey,
            value: z.string().min(1).max(16384),
            kind: z.enum(["recoverable", "writeonly"]).default("writeonly"),
            description: z.string().max(255).optional(),
          })
          .strict(),
      )
      .max(50),
    prune: z.boolean().default(false),
  }),
  data: EmptyData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const b = c.req.valid("json");
    const root = await rootKeyAuth(c);
    requireSomeScope(root, "environment", "set_environment_variables");
    const d = db(c.env.DB);
    const { environment } = await getEnvironmentOrThrow(d, root.workspaceId, b.project, b.app, b.environment);
    requirePermission(root, scoped("environment", "set_environment_variables", environment.id));
    const seen = new Set<string>();
    for (const [i, v] of b.variables.entries()) {
      if (SYSTEM.has(v.key))
        throw invalidInput(`'${v.key}' is set by the platform and cannot be overridden.`, [
          { location: `/body/variables/${i}/key`, message: "reserved system variable" },
        ]);
      if (seen.has(v.key)) throw invalidInput(`The key '${v.key}' is listed twice.`, [{ location: `/body/variables/${i}/key`, message: "duplicate key" }]);
      seen.add(v.key);
    }
    const now = Date.now();
    const sealed = await Promise.all(b.variables.map((v) => sealVariable(c.env, d, root.workspaceId, environment.id, v.key, v.value)));
    const t = schema.environmentVariables;
    const writes = b.variables.map((v, i) =>
      d
        .insert(t)
        .values({
          id: newId("evt"),
          workspaceId: root.workspaceId,
          environmentId: environment.id,
          key: v.key,
          kind: v.kind,
          encrypted: sealed[i]!,
          description: v.description ?? null,
          createdAt: now,
        })
        .onConflictDoUpdate({
          target: [t.environmentId, t.key],
          set: { kind: v.kind, encrypted: sealed[i]!, description: v.description ?? null, updatedAt: now },
        }),
    );
    const prune = b.prune
      ? [
          d.delete(t).where(
            and(
              eq(t.environmentId, environment.id),
              b.variables.length
                ? notInArray(
                    t.key,
                    b.variables.map((v) => v.key),
                  )
                : undefined,
            ),
          ),
        ]
      : [];
    await d.batch([
      ...prune,
      ...writes,
      ...auditInserts(c.var.scope, root.workspaceId, [
        {
          event: "environment.set_variables",
          description: `Set ${b.variables.length} variable(s) of environment ${environment.id}${b.prune ? " (pruned the rest)" : ""}`,
          targets: [{ type: "environment", id: environment.id, name: environment.slug }],
          meta: { keys: b.variables.map((v) => v.key), prune: b.prune },
        },
      ]),
    ] as never);
    return ok(c, {});
  });
