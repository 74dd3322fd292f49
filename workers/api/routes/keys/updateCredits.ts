import { db } from "../../../lib/db";
import { requirePermission } from "../../../lib/auth/rootKey";
import { rootKeyAuth } from "../../middleware/auth";
import { apiAction } from "../../../lib/auth/permissions";
import { auditInserts, auditQueries } from "../../../lib/audit";
import { invalidInput } from "../../../lib/errors";
import { findKeyById, KEY_GONE, keyNotFound } from "../../../lib/keys/lookup";
import { invalidateKeys } from "../../../lib/keys/invalidate";
import { updateCredits } from "../../../lib/keys/credits";
import { KeyCreditsData } from "../../../lib/keys/response";
import { ok, defineRoute, z, type App } from "../../route";
import { background, emitKeyEvent } from "../../../lib/webhooks/keyEvents";

export const route = defineRoute({
  operationId: "keys.updateCredits",
  summary: "Change a key's credits",
  description:
    "Sets, raises or lowers the credits a key has left, applied atomically by the key's credit counter (so it never races with verifications). " +
    "`set` with `value: null` makes the key unlimited and drops its refill; `decrement` stops at 0; increment and decrement need a value and a key with limited credits. " +
    "Answers with the credits after the change. Needs `api.*.update_key` or `api.<apiId>.update_key`.",
  errors: [404],
  body: z.object({
    keyId: z.string().min(3).openapi({ description: "The key whose credits change (key_…)." }),
    operation: z.enum(["set", "increment", "decrement"]),
    value: z
      .number()
      .int()
      .min(0)
      .nullable()
      .optional()
      .openapi({ description: "The new balance for `set` (null = unlimited), or the amount to add or take away." }),
  }),
  data: KeyCreditsData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const { key, api } = await findKeyById(d, root.workspaceId, body.keyId);
    requirePermission(root, apiAction(api.id, "update_key"));
    if (body.operation !== "set" && (body.value === undefined || body.value === null)) {
      throw invalidInput("When specifying an increment or decrement operation, a value must be provided.");
    }
    const audit = auditInserts(c.var.scope, root.workspaceId, [
      {
        event: "key.update",
        description: `Changed the credits of key ${key.id} (${body.operation}${body.value === undefined ? "" : ` ${body.value}`})`,
        targets: [
          { type: "key", id: key.id, name: key.name },
          { type: "api", id: api.id, name: api.name },
        ],
        meta: { operation: body.operation, value: body.value ?? null },
      },
    ]);
    const result = await updateCredits(c.env, {
      keyId: key.id,
      operation: body.operation,
      value: body.value,
      statements: auditQueries(audit),
    });
    if (!result.ok) {
      if (result.reason === "unlimited") throw invalidInput("You cannot increment or decrement a key with unlimited credits.");
      throw keyNotFound(KEY_GONE);
    }
    await invalidateKeys(c.var.scope, key.hash);
    const data: z.infer<typeof KeyCreditsData> = { remaining: result.remaining };
    if (result.refill) {
      data.refill = { interval: result.refill.interval, amount: result.refill.amount };
      if (result.refill.interval === "monthly" && result.refill.refillDay) data.refill.refillDay = result.refill.refillDay;
    }
    background(c.executionCtx, emitKeyEvent(c.env, "key.updated", key.id, { credits: { operation: body.operation, value: body.value ?? null } }));
    return ok(c, data);
  });
