import { redeemCode } from "../../../lib/portal/sessions";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "portal.exchangeCode",
  summary: "Exchange portal code",
  description:
    "Trades the one-time code from a portal URL for an access token that lasts 24 hours. No root key: the code is the proof. A code works once; unknown, expired and already used codes all get the same 401. The portal pages do this themselves and keep the token in the HttpOnly cookie `portal_session`.",
  auth: "none",
  errors: [401, 429],
  body: z.object({ code: z.string().min(1) }),
  data: z.object({ accessToken: z.string(), expiresAt: z.number().int() }),
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { code } = c.req.valid("json");
    const { accessToken, expiresAt } = await redeemCode(c.var.scope, code);
    c.header("Cache-Control", "no-store");
    c.header("Pragma", "no-cache");
    return ok(c, { accessToken, expiresAt });
  });
