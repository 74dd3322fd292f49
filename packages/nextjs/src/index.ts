import { bearerKey, KeyforgeError, verifyKey, type KeyforgeClientOptions, type VerifyKeyResponse } from "@keyforge/core";

export { KeyforgeError, type VerifyKeyResponse, type VerifyKeyData, type KeyforgeBinding, type KeyforgeClientOptions } from "@keyforge/core";

export type UnkeyContext = VerifyKeyResponse;

/**
 * The options of `@unkey/nextjs`'s `withUnkey`, plus `baseUrl` (and `binding` for Next on
 * Workers, with `env` from `getEnv`). Typed on the web `Request`, so a `NextRequest` fits and
 * the package needs nothing from `next` at run time.
 */
export interface WithKeyforgeConfig<Req extends Request = Request> extends KeyforgeClientOptions {
  tags?: string[];
  permissions?: string;
  /**
   * How to get the key: return it, `null` when there is none, or a Response to answer yourself.
   * @default `req.headers.get("authorization")?.replace("Bearer ", "") ?? null`
   */
  getKey?: (req: Req) => string | null | undefined | Response;
  /** Answer for a key that is not valid (default: 401 "Unauthorized"). */
  handleInvalidKey?: (req: Req, result: UnkeyContext) => Response | Promise<Response>;
  /** Every failure to verify, as a KeyforgeError (default: 500 "Internal Server Error"). */
  onError?: (req: Req, err: KeyforgeError) => Response | Promise<Response>;
  /** Where the service binding lives, e.g. `() => getCloudflareContext().env` on OpenNext. */
  getEnv?: (req: Req) => unknown;
}

export type NextContext = { params: Promise<Record<string, string | string[]>> };
export type RequestWithUnkeyContext<Req extends Request = Request> = Req & { unkey: UnkeyContext };

export function withKeyforge<Req extends Request = Request, TContext = NextContext>(
  handler: (req: RequestWithUnkeyContext<Req>, context: TContext) => Response | Promise<Response>,
  config: WithKeyforgeConfig<Req>,
): (req: Req, context: TContext) => Promise<Response> {
  return async (req, context) => {
    const key = config.getKey ? config.getKey(req) : (bearerKey(req.headers.get("authorization")) ?? null);
    if (key === null || key === undefined || key === "") return Response.json({ error: "unauthorized" }, { status: 401 });
    if (typeof key !== "string") return key;

    let res: VerifyKeyResponse;
    try {
      res = await verifyKey(
        config,
        { key, permissions: config.permissions, tags: config.tags },
        { env: config.getEnv?.(req), ip: req.headers.get("cf-connecting-ip") ?? undefined },
      );
    } catch (err) {
      const e = err instanceof KeyforgeError ? err : new KeyforgeError(`keyforge: ${String(err)}`, { statusCode: 0, cause: err });
      if (config.onError) return config.onError(req, e);
      console.error(`keyforge error: [CODE: ${e.statusCode}] - ${e.message}`);
      return new Response("Internal Server Error", { status: 500 });
    }
    if (!res.data.valid) {
      if (config.handleInvalidKey) return config.handleInvalidKey(req, res);
      return new Response("Unauthorized", { status: 401 });
    }
    const withCtx = req as RequestWithUnkeyContext<Req>;
    withCtx.unkey = res;
    return handler(withCtx, context);
  };
}

/** The `@unkey/nextjs` name, for a drop-in switch of the import. */
export const withUnkey = withKeyforge;
