import { ApiError } from "../../lib/errors";

/**
 * The one answer shape of ApiEntrypoint's methods that can fail: the HTTP envelope,
 * `{ meta, data }` or `{ meta, error }` (error as in the HTTP body: title, detail, status, type).
 */
export type RpcEnvelope<T> = { meta: { requestId: string }; data: T } | { meta: { requestId: string }; error: ReturnType<ApiError["toJSON"]> };

/** An ApiError as its envelope; anything else is logged and answered as unexpected_error. */
export function rpcFailure(requestId: string, method: string, err: unknown): { meta: { requestId: string }; error: ReturnType<ApiError["toJSON"]> } {
  const e =
    err instanceof ApiError
      ? err
      : new ApiError("unkey/application/unexpected_error", "An unexpected error occurred. Please contact support with the request id.");
  if (!(err instanceof ApiError)) console.error(`[${requestId}] rpc ${method} failed`, err instanceof Error ? err.stack : err);
  return { meta: { requestId }, error: e.toJSON() };
}
