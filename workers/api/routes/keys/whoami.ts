import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { apiAction, satisfies } from "../../../lib/auth/permissions";
import { sha256Base64 } from "../../../lib/crypto";
import { findKeyByHash, KEY_GONE, keyNotFound } from "../../../lib/keys/lookup";
import { KeyResponseData, loadKeyResponses, withLiveCredits } from "../../../lib/keys/response";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "keys.whoami",
  summary: "Look a key up by its secret",
  description:
    "Given the full secret of a key, returns the same information as keys.getKey (never the plaintext). " +
    "Keys of other workspaces, and keys the root key may not read, are reported as not found. Needs `api.*.read_key` or `api.<apiId>.read_key`.",
  errors: [404],
  body: z.object({ key: z.string().min(1).max(512) }),
  data: KeyResponseData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const { key, api } = await findKeyByHash(d, root.workspaceId, await sha256Base64(body.key), KEY_GONE);
    // a missing grant is masked as not-found here, never a 403
    if (!satisfies(root, apiAction(api.id, "read_key"))) throw keyNotFound(KEY_GONE);
    const [data] = await loadKeyResponses(c.env, d, root.workspaceId, [key]);
    return ok(c, await withLiveCredits(c.env, data!));
  });
