import { Hono } from "hono";
import { keyforge, type KeyforgeBinding } from "@keyforge/hono";

type Env = { KEYFORGE: KeyforgeBinding; KEYFORGE_ROOT_KEY: string };

const app = new Hono<{ Bindings: Env }>();

app.get("/health", (c) => c.text("ok"));

// env.KEYFORGE is present, so @keyforge/hono verifies through it (no baseUrl needed)
app.use("/v1/*", (c, next) =>
  keyforge({
    rootKey: c.env.KEYFORGE_ROOT_KEY,
    tags: ["example=worker-binding"],
    handleInvalidKey: (c, result) =>
      result.data.code === "RATE_LIMITED" ? c.json({ error: "rate limited" }, 429) : c.json({ error: "invalid key", code: result.data.code }, 401),
    onError: (c, err) => c.json({ error: "key verification unavailable", status: err.statusCode }, 503),
  })(c, next),
);

app.get("/v1/hello", (c) => c.json({ hello: c.get("unkey").data.keyId, via: "service binding" }));

export default app;
