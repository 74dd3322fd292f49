import { or } from "../../../lib/auth/permissions";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { createNamespaces, findNamespace, matchOverride, namespaceGone } from "../../../lib/ratelimit/namespaces";
import { compact, ok, defineRoute, z, type App } from "../../route";
import { LimitRequest, record, runChecks } from "./shared";

export const route = defineRoute({
  operationId: "ratelimit.limit",
  summary: "Check and spend a rate limit",
  description:
    "Counts one request (or `cost` tokens) for an identifier in a namespace with a sliding window and says whether it fits. " +
    "The answer is HTTP 200 either way; read `success`. An override stored for the identifier replaces `limit` and `duration`. " +
    "An unknown namespace is created on the spot when the root key holds `ratelimit.*.create_namespace`. " +
    "Needs `ratelimit.*.limit` or `ratelimit.<namespaceId>.limit`.",
  errors: [410],
  body: LimitRequest,
  data: z.object({
    success: z.boolean(),
    limit: z.number().int(),
    remaining: z.number().int(),
    reset: z.number().int(),
    overrideId: z.string().optional(),
  }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    let ns = await findNamespace(c.var.scope, root.workspaceId, body.namespace);
    if (!ns) {
      requirePermission(root, "ratelimit.*.create_namespace");
      // a new namespace's own `limit` permission cannot be held yet: without ratelimit.*.limit the
      // request would fail right after creating it, so refuse before writing anything
      requirePermission(root, "ratelimit.*.limit");
      ns = (await createNamespaces(c.var.scope, root.workspaceId, [body.namespace])).get(body.namespace)!;
    }
    if (ns.deleted) throw namespaceGone();
    requirePermission(root, or(`ratelimit.${ns.id}.limit`, "ratelimit.*.limit"));

    const override = await matchOverride(c.var.scope, ns.id, body.identifier);
    const limit = override ? override.limit : body.limit;
    const duration = override ? override.duration : body.duration;
    const now = Date.now();
    const out = await runChecks(
      [{ owner: { kind: "namespace", workspaceId: root.workspaceId, namespace: ns.id, identifier: body.identifier }, bucket: "", limit, duration, cost: body.cost }],
      c,
      now,
    );
    const r = out.results[0]!;
    record(c, {
      workspaceId: root.workspaceId, namespaceId: ns.id, namespaceName: ns.name, identifier: body.identifier,
      passed: r.passed, cost: body.cost, limit, duration, time: now,
      remaining: r.remaining, reset: r.reset, overrideId: override?.id ?? null, latency: Date.now() - now,
    });
    return ok(c, compact({ success: r.passed, limit, remaining: r.remaining, reset: r.reset, overrideId: override?.id }));
  });
