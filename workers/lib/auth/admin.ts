import type { Env } from "../env";
import { ApiError } from "../errors";
import { timingSafeEqual } from "../crypto";

/**
 * Operator authentication for workspace administration (our extension). Only the exact
 * ADMIN_KEY passes; root keys are never accepted here, and ADMIN_KEY is never a root key
 * (root-key auth looks tokens up by hash among root keys only).
 */
export function checkAdminKey(env: Pick<Env, "ADMIN_KEY">, token: string): void {
  const expected = env.ADMIN_KEY;
  if (!expected || !timingSafeEqual(token, expected)) {
    throw new ApiError("unkey/authentication/key_not_found", "The provided admin key is invalid.");
  }
}
