import type { NextRequest } from "next/server";
import { withKeyforge, type RequestWithUnkeyContext } from "@keyforge/nextjs";

/**
 * GET /api/protected: needs an API key. The key's auto-applied rate limit is checked in the same
 * verification; RATE_LIMITED is answered with 429, any other invalid key with 401.
 * KEYFORGE_URL and KEYFORGE_ROOT_KEY come from the environment (.env.local).
 */
export const GET = withKeyforge(
  async (req: RequestWithUnkeyContext<NextRequest>) =>
    Response.json({ hello: req.unkey.data.keyId, path: req.nextUrl.pathname, remaining: req.unkey.data.ratelimits?.[0]?.remaining }),
  {
    baseUrl: process.env.KEYFORGE_URL ?? "http://127.0.0.1:8787",
    rootKey: process.env.KEYFORGE_ROOT_KEY ?? "",
    tags: ["example=nextjs-route"],
    handleInvalidKey: (_req, result) =>
      result.data.code === "RATE_LIMITED"
        ? Response.json({ error: "rate limited" }, { status: 429 })
        : Response.json({ error: "invalid key", code: result.data.code }, { status: 401 }),
    onError: (_req, err) => Response.json({ error: "key verification unavailable", status: err.statusCode }, { status: 503 }),
  },
);
