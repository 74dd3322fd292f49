import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { MAX_UPLOAD_BODY_BYTES } from "../lib/deploy/bundle";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../lib/env";
import { ApiError, STORAGE_RETRY_AFTER_SECONDS, errorContentType, isStorageFailure } from "../lib/errors";
import { toFieldErrors, toPolicyFieldErrors, type ZodIssueLike } from "../lib/validation";
import { newId } from "../lib/ids";
import { createScope } from "../lib/scope";
import { headerBytes, MAX_HEADER_BYTES } from "../lib/headerLimit";
import { registerRoutes } from "./routes";
import { referencePage } from "./reference";
import { portalPages } from "../portal";
import { registerMcp } from "./mcp";

const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Unkey's request deadline; `REQUEST_TIMEOUT_MS` overrides it. */
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const UPLOAD_PATHS = new Set(["/v2/deploy.createDeployment", "/v2/deployments.createDeployment"]);

/** Routes whose own policy checks report field paths (`policies[2].match[0]`), as Unkey's handlers do. */
const POLICY_ROUTES = new Set(["/v2/gateway.setPolicies", "/v2/gateway.updatePolicy"]);

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues as unknown as ZodIssueLike[];
        const data = (result as { data?: unknown }).data;
        throw new ApiError("unkey/application/invalid_input", `POST request body for '${c.req.path}' failed to validate schema`, {
          errors: POLICY_ROUTES.has(c.req.path) ? toPolicyFieldErrors(issues, data) : toFieldErrors(issues, data),
        });
      }
    },
  });

  app.use("*", async (c, next) => {
    const requestId = newId("req", 12);
    c.set("requestId", requestId);
    // the services' view of this request (lib/scope.ts); auth fills in the actor
    c.set("scope", createScope({ env: c.env, waitUntil: (p) => c.executionCtx.waitUntil(p), requestId, request: c.req.raw }));
    await next();
    c.res.headers.set("X-Unkey-Request-Id", requestId);
  });

  // what workerd lets through below its own 128 KiB limit still gets a clear answer in our envelope
  app.use("*", async (c, next) => {
    const size = headerBytes(c.req.raw.headers);
    if (size > MAX_HEADER_BYTES)
      throw new ApiError("user/bad_request/request_headers_too_large", `The request headers take ${size} bytes; the limit is ${MAX_HEADER_BYTES}.`);
    await next();
  });

  // a request still running at the deadline answers 408 (its handler is not awaited further)
  app.use("/v2/*", async (c, next) => {
    const configured = Number(c.env.REQUEST_TIMEOUT_MS);
    const ms = Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_REQUEST_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ApiError("user/bad_request/request_timeout", `The request did not complete within ${ms} ms.`)), ms);
    });
    const work = next();
    work.catch(() => {}); // a handler failing after the deadline has nobody left to answer
    try {
      await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  });

  const limitOf = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError("user/bad_request/request_body_too_large", `The request body exceeds the limit of ${maxSize} bytes.`);
      },
    });
  const defaultLimit = limitOf(MAX_BODY_BYTES);
  // code bundles are uploaded in the deployment call (docs/deploy.md): 25 MiB there
  const uploadLimit = limitOf(MAX_UPLOAD_BODY_BYTES);
  app.use("/v2/*", (c, next) => (UPLOAD_PATHS.has(c.req.path) ? uploadLimit(c, next) : defaultLimit(c, next)));

  registerRoutes(app);
  // MCP servers over the same routes (docs/mcp.md)
  registerMcp(app);
  // the customer portal pages (HTML, cookie session), see docs/portal.md
  app.route("/", portalPages());

  app.openAPIRegistry.registerComponent("securitySchemes", "rootKey", {
    type: "http",
    scheme: "bearer",
    description: "A root key of your workspace: `Authorization: Bearer unkey_…`",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminKey", {
    type: "http",
    scheme: "bearer",
    description: "The operator secret ADMIN_KEY (workspace administration; our extension).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "portalSession", {
    type: "apiKey",
    in: "cookie",
    name: "portal_session",
  });
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: "Keyforge API",
      version: "2.0.0",
      description: "Unkey v2-compatible API for keys, rate limits, identities, permissions, analytics and gateways, served from Cloudflare Workers.",
    },
    servers: [{ url: new URL(c.req.url).origin }],
  }));
  app.get("/reference", (c) => c.html(referencePage()));
  // the renderer's script, from the static assets (wrangler.toml [assets], scripts/build-assets.mjs)
  app.get("/reference/assets/*", async (c) => {
    const res = c.env.ASSETS ? await c.env.ASSETS.fetch(c.req.raw) : null;
    if (!res || res.status === 404) {
      throw new ApiError("unkey/application/route_not_found", `No asset at ${c.req.path}: run \`npm run build:assets\` (scripts/build-assets.mjs).`);
    }
    return new Response(res.body, res); // a copy: the asset's headers are immutable and we add ours
  });
  app.get("/", (c) => c.redirect("/reference"));

  app.notFound((c) => {
    throw new ApiError("unkey/application/route_not_found", `No route matches ${c.req.method} ${c.req.path}.`);
  });

  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? newId("req", 12);
    let e: ApiError;
    if (err instanceof ApiError) e = err;
    else if (err instanceof HTTPException) {
      // hono's own failures: unreadable JSON, unsupported media type, …
      if (err.status === 400) e = new ApiError("user/bad_request/request_body_unreadable", `The request body could not be read: ${err.message}`);
      else if (err.status === 413) e = new ApiError("user/bad_request/request_body_too_large", err.message);
      else if (err.status === 415) e = new ApiError("unkey/application/unsupported_media_type", "Send the request body as application/json.");
      else e = new ApiError("unkey/application/unexpected_error", err.message);
    } else if (isStorageFailure(err)) {
      console.error(`[${requestId}] storage unavailable`, err instanceof Error ? err.stack : err);
      e = new ApiError("unkey/application/service_unavailable", "The service is temporarily unavailable. Please try again later.", {
        headers: { "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS) },
      });
    } else {
      console.error(`[${requestId}] unhandled error`, err instanceof Error ? err.stack : err);
      e = new ApiError("unkey/application/unexpected_error", "An unexpected error occurred. Please contact support with the request id.");
    }
    const res = c.json({ meta: { requestId }, error: e.toJSON() }, e.status as 400);
    res.headers.set("X-Unkey-Request-Id", requestId);
    res.headers.set("Content-Type", errorContentType(c.req.header("accept")));
    for (const [k, v] of Object.entries(e.headers ?? {})) res.headers.set(k, v);
    return res;
  });

  return app;
}
