import express, { type NextFunction, type Request, type Response } from "express";
import { Unkey } from "@unkey/api";
import { Ratelimit } from "@unkey/ratelimit";

/**
 * Express with Unkey's own SDKs pointed at a Keyforge server: `@unkey/api` (serverURL) verifies
 * the API key, `@unkey/ratelimit` (baseUrl) limits each key to `limit` requests per minute.
 */
export function createApp(o: { baseUrl: string; rootKey: string; limit?: number }) {
  const unkey = new Unkey({ serverURL: o.baseUrl, rootKey: o.rootKey });
  const limiter = new Ratelimit({ baseUrl: o.baseUrl, rootKey: o.rootKey, namespace: "express-app", limit: o.limit ?? 2, duration: "60s" });

  async function requireKey(req: Request, res: Response, next: NextFunction) {
    const key = req.header("authorization")?.replace("Bearer ", "");
    if (!key) return void res.status(401).json({ error: "unauthorized" });
    try {
      const { data } = await unkey.keys.verifyKey({ key, tags: ["example=express-app"] });
      if (!data.valid) return void res.status(data.code === "RATE_LIMITED" ? 429 : 401).json({ error: "invalid key", code: data.code });
      const rl = await limiter.limit(data.keyId!);
      if (!rl.success)
        return void res
          .status(429)
          .set("retry-after", String(Math.ceil((rl.reset - Date.now()) / 1000)))
          .json({ error: "rate limited" });
      res.locals.keyId = data.keyId;
      next();
    } catch (err) {
      // any SDK error (wrong root key, server down): never a bare 500 with a stack trace
      res.status(503).json({ error: "key verification unavailable", detail: String(err) });
    }
  }

  const app = express();
  app.get("/health", (_req, res) => void res.send("ok"));
  app.get("/v1/hello", requireKey, (_req, res) => void res.json({ hello: res.locals.keyId }));
  return app;
}
