import { ApiError } from "../../lib/errors";
import { authenticateRootKey } from "../../lib/auth/rootKey";
import { workspaceRateLimit } from "../../lib/auth/workspaceRateLimit";
import type { RequestScope } from "../../lib/scope";
import { VerifyKeyBody, verifyDeps, verifyKey, type VerifyKeyInput, type VerifyKeyResult } from "../../lib/keys/verify";
import { rpcFailure, type RpcEnvelope } from "./envelope";

/**
 * keys.verifyKey over a service binding (ApiEntrypoint.verifyKey): the HTTP body plus the root
 * key, and optionally the end user's IP (for the API's allowlist) and an idempotency key.
 * Answers with the same envelope as HTTP: `{ meta, data }` or `{ meta, error }`.
 */
export interface RpcVerifyKeyInput extends VerifyKeyInput {
  rootKey: string;
  /** the address the API's IP allowlist is checked against (no allowlist: not needed) */
  ip?: string;
  idempotencyKey?: string;
  /** analytics: "gateway" when the Sentinel verifies, with its app id */
  source?: string;
  appId?: string;
}

export async function verifyKeyRpc(scope: RequestScope, input: RpcVerifyKeyInput): Promise<RpcEnvelope<VerifyKeyResult>> {
  const { requestId } = scope;
  try {
    const { rootKey, ip, idempotencyKey, source, appId, ...body } = (input ?? {}) as RpcVerifyKeyInput;
    const parsed = VerifyKeyBody.strict().safeParse(body);
    if (!parsed.success) {
      throw new ApiError("unkey/application/invalid_input", "RPC input for 'keys.verifyKey' failed to validate schema", {
        errors: parsed.error.issues.map((i) => ({ location: "/" + ["body", ...i.path.map(String)].join("/"), message: i.message })),
      });
    }
    if (typeof rootKey !== "string" || rootKey.trim() === "") {
      throw new ApiError("unkey/application/invalid_input", "RPC input for 'keys.verifyKey' needs the root key", {
        errors: [{ location: "/rootKey", message: "required: the root key the verification acts as" }],
      });
    }
    // the same root-key checks and workspace API rate limit as over HTTP
    const root = await authenticateRootKey(scope.env, scope.cache, rootKey.trim());
    scope.actor = { kind: "rootKey", rootKey: root };
    await workspaceRateLimit(scope.env, root.workspace);
    const data = await verifyKey(
      verifyDeps(scope, {
        callerIp: typeof ip === "string" && ip.trim() ? ip.trim() : null,
        idempotencyKey: typeof idempotencyKey === "string" && idempotencyKey.trim() ? idempotencyKey.trim() : null,
        source: typeof source === "string" ? source : "api",
        appId: typeof appId === "string" ? appId : null,
      }),
      root,
      parsed.data,
    );
    return { meta: { requestId }, data };
  } catch (err) {
    return rpcFailure(requestId, "verifyKey", err);
  }
}
