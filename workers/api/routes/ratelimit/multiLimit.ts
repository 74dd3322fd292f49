import { rootKeyAuth } from "../../middleware/auth";
import { multiLimitForRootKey } from "../../../lib/ratelimit/service";
import { compact, ok, defineRoute, z, type App } from "../../route";
import { LimitRequest } from "./schemas";

const MultiLimitBody = z.array(LimitRequest.strict()).min(1).max(100).openapi("V2RatelimitMultiLimitRequestBody");

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
    const out = await multiLimitForRootKey(c.var.scope, root, items);
    const limits = items.map((item, k) => {
      const r = out.results[k]!;
      return compact({
        namespace: item.namespace,
        identifier: item.identifier,
        limit: r.limit,
        remaining: r.remaining,
        reset: r.reset,
        passed: r.passed,
        overrideId: r.overrideId,
      });
    });
    return ok(c, { passed: out.passed, limits });
  });
