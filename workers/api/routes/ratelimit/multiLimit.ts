import { and, or, type Requirement } from "../../../lib/auth/permissions";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import {
  createNamespaces,
  findNamespace,
  matchOverride,
  namespaceGone,
  type Namespace,
} from "../../../lib/ratelimit/namespaces";
import { compact, ok, defineRoute, z, type App } from "../../route";
import { LimitRequest, record, runChecks } from "./shared";

const MultiLimitBody = z
  .array(LimitRequest.strict())
  .min(1)
  .max(100)
  .openapi("V2RatelimitMultiLimitRequestBody");

const base = defineRoute({
  operationId: "ratelimit.multiLimit",
  summary: "Check several rate limits at once, all or nothing",
  description:
    "Runs 1–100 `ratelimit.limit` checks at one instant. Either every check fits and all are charged, or none is " +
    "charged (`passed: false`); each entry still tells whether it would have fitted on its own. Missing namespaces " +
    "are created when the root key holds `ratelimit.*.create_namespace`. Needs `ratelimit.*.limit` or the per-namespace " +
    "`limit` permission of every namespace involved.",
  errors: [410],
  body: z.object({}),
  data: z.object({
    passed: z.boolean(),
    limits: z.array(
      z.object({
        namespace: z.string(),
        identifier: z.string(),
        limit: z.number().int(),
        remaining: z.number().int(),
        reset: z.number().int(),
        passed: z.boolean(),
        overrideId: z.string().optional(),
      }),
    ),
  }),
});

// The request body is a top-level JSON array, which defineRoute (objects only) cannot declare.
export const route = {
  ...base,
  request: { body: { required: true, content: { "application/json": { schema: MultiLimitBody } } } },
};

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const items = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const names = [...new Set(items.map((i) => i.namespace))];
    const found = new Map<string, Namespace>();
    const missing: string[] = [];
    await Promise.all(
      names.map(async (n) => {
        const ns = await findNamespace(c.var.scope, root.workspaceId, n);
        if (ns) found.set(n, ns);
        else missing.push(n);
      }),
    );
    if (missing.length > 0) {
      requirePermission(root, "ratelimit.*.create_namespace");
      // new namespaces can only be used through ratelimit.*.limit: check before writing anything
      requirePermission(root, "ratelimit.*.limit");
      // …and a deleted namespace among the others would end the request in 410 anyway
      if ([...found.values()].some((ns) => ns.deleted)) throw namespaceGone();
      for (const [n, ns] of await createNamespaces(c.var.scope, root.workspaceId, missing)) found.set(n, ns);
    }
    const namespaces = names.map((n) => found.get(n)!);
    const ids = [...new Set(namespaces.map((ns) => ns.id))];
    const each: Requirement = ids.length === 1 ? `ratelimit.${ids[0]}.limit` : and(...ids.map((id) => `ratelimit.${id}.limit`));
    requirePermission(root, or(each, "ratelimit.*.limit"));
    if (namespaces.some((ns) => ns.deleted)) throw namespaceGone();

    const overrides = await Promise.all(items.map((i) => matchOverride(c.var.scope, found.get(i.namespace)!.id, i.identifier)));
    const now = Date.now();
    const checks = items.map((item, k) => {
      const ns = found.get(item.namespace)!;
      const o = overrides[k];
      return {
        owner: { kind: "namespace" as const, workspaceId: root.workspaceId, namespace: ns.id, identifier: item.identifier },
        bucket: "",
        limit: o ? o.limit : item.limit,
        duration: o ? o.duration : item.duration,
        cost: item.cost,
      };
    });
    const out = await runChecks(checks, c, now);
    const limits = items.map((item, k) => {
      const r = out.results[k]!;
      const ns = found.get(item.namespace)!;
      record(c, {
        workspaceId: root.workspaceId, namespaceId: ns.id, namespaceName: ns.name, identifier: item.identifier,
        passed: out.passed && r.passed, cost: item.cost, limit: checks[k]!.limit, duration: checks[k]!.duration, time: now,
        remaining: r.remaining, reset: r.reset, overrideId: overrides[k]?.id ?? null, latency: Date.now() - now,
      });
      return compact({
        namespace: item.namespace,
        identifier: item.identifier,
        limit: checks[k]!.limit,
        remaining: r.remaining,
        reset: r.reset,
        passed: r.passed,
        overrideId: overrides[k]?.id,
      });
    });
    return ok(c, { passed: out.passed, limits });
  });
