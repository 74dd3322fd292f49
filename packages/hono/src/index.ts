import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { bearerKey, KeyforgeError, verifyKey, type KeyforgeClientOptions, type VerifyKeyResponse } from "@keyforge/core";

export { KeyforgeError, type VerifyKeyResponse, type VerifyKeyData, type KeyforgeBinding, type KeyforgeClientOptions } from "@keyforge/core";

/** What `c.get("unkey")` holds after the middleware: the verification result `{ meta, data }`. */
export type UnkeyContext = VerifyKeyResponse;

/**
 * The options of `@unkey/hono`, plus where to verify: `baseUrl` (HTTP) or a service binding
 * (`binding`, default `KEYFORGE`) to the API Worker's `ApiEntrypoint` when `c.env` has one.
 */
export interface KeyforgeConfig extends KeyforgeClientOptions {
  /** Arbitrary tags stored with the verification, to filter analytics later. */
  tags?: string[];
  /** A permission query the key must satisfy to be valid, e.g. `"docs.read AND docs.write"`. */
  permissions?: string;
  /**
   * How to get the key from the request: return it, `undefined` when there is none, or a
   * `Response` to answer the caller yourself.
   * @default `c.req.header("Authorization")?.replace("Bearer ", "")`
   */
  getKey?: (c: Context) => string | undefined | null | Response;
  /** Answer for a key that is not valid; without it the handler runs and reads `c.get("unkey")`. */
  handleInvalidKey?: (c: Context, result: UnkeyContext) => Response | Promise<Response>;
  /**
   * Every failure to verify (the server's error answer such as a wrong root key, a network
   * failure, a missing configuration) as a `KeyforgeError`. Without it: an HTTP 500.
   */
  onError?: (c: Context, err: KeyforgeError) => Response | Promise<Response>;
}

declare module "hono" {
  interface ContextVariableMap {
    unkey: UnkeyContext;
  }
}

export function keyforge(config: KeyforgeConfig): MiddlewareHandler {
  return async (c, next) => {
    const key = config.getKey ? config.getKey(c) : bearerKey(c.req.header("Authorization"));
    if (!key) return c.json({ error: "unauthorized" }, 401);
    if (typeof key !== "string") return key;

    let res: VerifyKeyResponse;
    try {
      res = await verifyKey(config, { key, permissions: config.permissions, tags: config.tags }, { env: c.env, ip: c.req.header("cf-connecting-ip") });
    } catch (err) {
      const e = err instanceof KeyforgeError ? err : new KeyforgeError(`keyforge: ${String(err)}`, { statusCode: 0, cause: err });
      if (config.onError) return config.onError(c, e);
      throw new HTTPException(500, { message: `keyforge error: [CODE: ${e.statusCode}] - ${e.message}`, cause: e });
    }
    if (!res.data.valid && config.handleInvalidKey) return config.handleInvalidKey(c, res);
    c.set("unkey", res);
    await next();
  };
}

/** The `@unkey/hono` name, for a drop-in switch of the import. */
export const unkey = keyforge;
export type UnkeyConfig = KeyforgeConfig;
