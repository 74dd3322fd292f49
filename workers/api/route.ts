import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/env";
import { ApiError } from "../lib/errors";
import { fromPortal, isJsonContentType, portalOrigin } from "../lib/portal/origin";

export type App = OpenAPIHono<AppEnv>;
export { z };
// routes shape their answers with it; it lives in lib because services use it too
export { compact } from "../lib/compact";

/** The Unkey error envelope, `components.schemas.ErrorResponse`. */
export const ErrorBody = z
  .object({
    meta: z.object({ requestId: z.string() }),
    error: z.object({
      title: z.string(),
      detail: z.string(),
      status: z.number().int(),
      type: z.string(),
      errors: z.array(z.object({ location: z.string(), message: z.string(), fix: z.string().optional() })).optional(),
    }),
  })
  .openapi("ErrorResponse");

const STATUS_TEXT: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  410: "Gone",
  412: "Precondition failed",
  413: "Request body too large",
  415: "Unsupported media type",
  429: "Too many requests",
  500: "Internal server error",
};

/** An example error envelope per status that means the same on every route (shown by /reference). */
function errorExample(status: number, operationId: string, auth: Auth): unknown {
  const examples: Record<number, ApiError> = {
    400: new ApiError("unkey/application/invalid_input", `POST request body for '/v2/${operationId}' failed to validate schema`, {
      errors: [{ location: "/body", message: "Invalid input: expected object, received undefined" }],
    }),
    ...(auth === "rootKey"
      ? {
          401: new ApiError("unkey/authentication/key_not_found", "The provided root key is invalid. We could not find the requested key."),
          403: new ApiError("unkey/authorization/insufficient_permissions", "The key does not have the permissions this operation needs."),
        }
      : auth === "portalSession"
        ? { 401: new ApiError("unkey/authentication/portal_session_not_found", "The portal session is invalid or has expired.") }
        : {}),
    415: new ApiError(
      "unkey/application/unsupported_media_type",
      "Requests authenticated by the portal_session cookie must send Content-Type: application/json.",
    ),
    429: new ApiError(
      "user/too_many_requests/workspace_rate_limited",
      "The workspace has exceeded its API rate limit. Retry after the time given in Retry-After.",
    ),
    500: new ApiError("unkey/application/unexpected_error", "An unexpected error occurred. Please contact support with the request id."),
  };
  const e = examples[status];
  return e ? { meta: { requestId: "req_2c9a0jf23l4k567" }, error: e.toJSON() } : undefined;
}

const Meta = z.object({ requestId: z.string() }).openapi("Meta");
export const Pagination = z.object({ cursor: z.string().optional(), hasMore: z.boolean() }).openapi("Pagination");

type Auth = "rootKey" | "adminKey" | "portalSession" | "none";

function pascal(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * CSRF guard of the cookie-authenticated routes, before the body is read: a browser sends the
 * cookie with any request, and another site can post `text/plain` without a CORS preflight.
 * So the body must be declared `application/json` (which no other site can send without a
 * preflight we never answer) and the request must come from the portal's origin.
 */
const fromPortalOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!isJsonContentType(c.req.header("content-type"))) {
    throw new ApiError(
      "unkey/application/unsupported_media_type",
      "Requests authenticated by the portal_session cookie must send Content-Type: application/json.",
    );
  }
  const headers = { origin: c.req.header("origin"), secFetchSite: c.req.header("sec-fetch-site") };
  if (!fromPortal(headers, portalOrigin(c.env, c.req.url))) {
    throw new ApiError(
      "unkey/authorization/forbidden",
      "Cross-origin request refused: requests authenticated by the portal_session cookie must come from the portal's own origin.",
    );
  }
  await next();
};

/**
 * Describes one RPC endpoint: `POST /v2/<group>.<method>` with a JSON body and the Unkey
 * envelope as response. Request bodies reject unknown fields, as Unkey's schemas do.
 */
export function defineRoute<B extends z.ZodObject, D extends z.ZodType, P extends boolean = false>(o: {
  operationId: `${string}.${string}`;
  summary: string;
  description?: string;
  body: B;
  data: D;
  paginated?: P;
  auth?: Auth;
  errors?: number[];
}) {
  const [group, method] = o.operationId.split(".") as [string, string];
  const base = `V2${pascal(group)}${pascal(method)}`;
  const body = o.body.strict().openapi(`${base}RequestBody`) as unknown as B;
  const responseBody = z
    .object(o.paginated ? { meta: Meta, data: o.data, pagination: Pagination } : { meta: Meta, data: o.data })
    .openapi(`${base}ResponseBody`);
  const auth = o.auth ?? "rootKey";
  const statuses = new Set([400, 500, ...(auth === "none" ? [] : [401, 403, 429]), ...(auth === "portalSession" ? [415] : []), ...(o.errors ?? [])]);
  const responses: Record<number, { description: string; content: Record<string, { schema: typeof ErrorBody; example?: unknown }> }> = {};
  for (const s of [...statuses].sort()) {
    const example = errorExample(s, o.operationId, auth);
    responses[s] = { description: STATUS_TEXT[s] ?? String(s), content: { "application/json": { schema: ErrorBody, ...(example ? { example } : {}) } } };
  }
  return createRoute({
    method: "post",
    path: `/v2/${o.operationId}`,
    operationId: o.operationId,
    summary: o.summary,
    description: o.description,
    tags: [group],
    security: auth === "none" ? [] : auth === "adminKey" ? [{ adminKey: [] }] : auth === "portalSession" ? [{ portalSession: [] }] : [{ rootKey: [] }],
    ...(auth === "portalSession" ? { middleware: [fromPortalOnly] as const } : {}),
    request: { body: { required: true, content: { "application/json": { schema: body } } } },
    responses: {
      200: { description: "Success", content: { "application/json": { schema: responseBody } } },
      ...responses,
    },
  });
}

/** Success envelope. */
export function ok<T>(c: Context<AppEnv>, data: T) {
  return c.json({ meta: { requestId: c.get("requestId") }, data }, 200);
}

/** Success envelope with a status other than 200 (201 created, 202 accepted). */
export function okWith<T>(c: Context<AppEnv>, data: T, status: 201 | 202) {
  return c.json({ meta: { requestId: c.get("requestId") }, data }, status);
}

/**
 * defineRoute declares 200 as the success status; endpoints answering 201/202 move that
 * response to their status so /openapi.json tells SDKs the truth.
 */
export function withSuccessStatus<R extends { responses: Record<number, unknown> }>(route: R, status: 201 | 202): R {
  const { 200: success, ...rest } = route.responses as Record<number, unknown>;
  return { ...route, responses: { [status]: success, ...rest } } as unknown as R;
}

/** Paginated success envelope; `cursor` only while there is more. */
export function page<T>(c: Context<AppEnv>, data: T[], next: string | undefined) {
  return c.json(
    {
      meta: { requestId: c.get("requestId") },
      data,
      pagination: next ? { cursor: next, hasMore: true } : { hasMore: false },
    },
    200,
  );
}

/**
 * Keyset pagination as Unkey does it: fetch `limit + 1` rows ordered by id; when the extra
 * row exists, its id is the cursor and the next page starts there (inclusive).
 */
export function paginate<T>(rows: T[], limit: number, idOf: (row: T) => string) {
  if (rows.length <= limit) return { items: rows, next: undefined };
  return { items: rows.slice(0, limit), next: idOf(rows[limit]!) };
}
