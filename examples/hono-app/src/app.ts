import { Hono } from "hono";
import { keyforge } from "@keyforge/hono";

/**
 * A Hono API whose /v1/* routes need an API key. The key's own rate limits (created with
 * `ratelimits: [{ name, limit, duration, autoApply: true }]`) are checked in the same
 * verification: an exhausted limit comes back as code RATE_LIMITED, answered here with 429.
 */
export function createApp(o: { baseUrl: string; rootKey: string }) {
  const app = new Hono();

  app.get("/health", (c) => c.text("ok"));

  app.use(
    "/v1/*",
    keyforge({
      baseUrl: o.baseUrl,
      rootKey: o.rootKey,
      tags: ["example=hono-app"],
      handleInvalidKey: (c, result) =>
        result.data.code === "RATE_LIMITED" ? c.json({ error: "rate limited" }, 429) : c.json({ error: "invalid key", code: result.data.code }, 401),
      // the server refused (wrong root key, …) or could not be reached
      onError: (c, err) => c.json({ error: "key verification unavailable", status: err.statusCode }, 503),
    }),
  );

  app.get("/v1/hello", (c) => {
    const { data } = c.get("unkey");
    return c.json({ hello: data.identity?.externalId ?? data.keyId, remaining: data.ratelimits?.[0]?.remaining });
  });

  return app;
}
