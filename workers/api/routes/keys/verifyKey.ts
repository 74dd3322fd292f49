import { rootKeyAuth } from "../../middleware/auth";
import { MAX_IDEMPOTENCY_KEY_LENGTH, VerifyKeyBody, VerifyKeyData, verifyDeps, verifyKey } from "../../../lib/keys/verify";
import { ok, defineRoute, z, type App } from "../../route";

const base = defineRoute({
  operationId: "keys.verifyKey",
  summary: "Verify a key",
  description:
    "Checks a key your user presented and answers with HTTP 200 whatever the outcome: `valid` says whether to let the request through and `code` why not " +
    "(NOT_FOUND, FORBIDDEN, DISABLED, EXPIRED, INSUFFICIENT_PERMISSIONS, RATE_LIMITED, USAGE_EXCEEDED). " +
    "Checks run in a fixed order; credits are spent only when every other check passed. " +
    "Keys of other workspaces, and keys of APIs the root key may not verify, come back as NOT_FOUND. " +
    "Our extensions: the API's IP allowlist also accepts CIDR ranges, and an optional `Idempotency-Key` header makes a retry within 15 minutes replay the first answer without spending credits again. " +
    "Needs `api.*.verify_key` or `api.<apiId>.verify_key`.",
  errors: [404, 412],
  body: VerifyKeyBody,
  data: VerifyKeyData,
});

/** The route plus its optional Idempotency-Key header (our extension), so /openapi.json shows it. */
export const route = {
  ...base,
  request: {
    ...base.request,
    headers: z.object({
      "idempotency-key": z.string().max(MAX_IDEMPOTENCY_KEY_LENGTH).optional().openapi({
        description:
          "Any string identifying this logical verification; a retry with the same value within 15 minutes replays the first answer without spending credits again.",
      }),
    }),
  },
};

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const deps = verifyDeps(c.var.scope, { idempotencyKey: c.req.header("idempotency-key")?.trim() || null, source: "api" });
    return ok(c, await verifyKey(deps, root, body));
  });
