import type { Env } from "../env";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { authenticateRootKey } from "../auth/rootKey";
import { workspaceRateLimit } from "../auth/workspaceRateLimit";
import { newCache } from "../services";
import { VerifyKeyBody, verifyKey, type VerifyKeyInput, type VerifyKeyResult } from "./verify";

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

export type RpcEnvelope<T> =
  | { meta: { requestId: string }; data: T }
  | { meta: { requestId: string }; error: ReturnType<ApiError["toJSON"]> };

export async function verifyKeyRpc(env: Env, ctx: ExecutionContext, input: RpcVerifyKeyInput): Promise<RpcEnvelope<VerifyKeyResult>> {
  const requestId = newId("req", 12);
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
    const cache = newCache(env, ctx);
    const root = await authenticateRootKey(env, cache, rootKey.trim());
    await workspaceRateLimit(env, root.workspace);
    const data = await verifyKey(
      {
        env,
        waitUntil: (p) => ctx.waitUntil(p),
        cache,
        requestId,
        callerIp: typeof ip === "string" && ip.trim() ? ip.trim() : null,
        idempotencyKey: typeof idempotencyKey === "string" && idempotencyKey.trim() ? idempotencyKey.trim() : null,
        source: typeof source === "string" ? source : "api",
        appId: typeof appId === "string" ? appId : null,
      },
      root,
      parsed.data,
    );
    return { meta: { requestId }, data };
  } catch (err) {
    const e =
      err instanceof ApiError
        ? err
        : new ApiError("unkey/application/unexpected_error", "An unexpected error occurred. Please contact support with the request id.");
    if (!(err instanceof ApiError)) console.error(`[${requestId}] rpc verifyKey failed`, err instanceof Error ? err.stack : err);
    return { meta: { requestId }, error: e.toJSON() };
  }
}
