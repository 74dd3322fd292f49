/**
 * One error type for the whole API. Handlers throw `new ApiError(code, detail)`; the app's
 * onError renders the Unkey envelope. The code is the path of the error type URL
 * (https://unkey.com/docs/errors/<code>), which Unkey's SDKs match on.
 */
const CATALOGUE = {
  // authentication
  "unkey/authentication/missing": [400, "Bad Request"],
  "unkey/authentication/malformed": [400, "Bad Request"],
  "unkey/authentication/key_not_found": [401, "Unauthorized"],
  "unkey/authentication/portal_session_not_found": [401, "Unauthorized"],
  "unkey/authentication/portal_token_missing": [400, "Bad Request"],
  "unkey/authentication/invalid_signature": [401, "Unauthorized"],
  // authorization
  "unkey/authorization/forbidden": [403, "Forbidden"],
  "unkey/authorization/insufficient_permissions": [403, "Insufficient Permissions"],
  "unkey/authorization/key_disabled": [403, "Key is disabled"],
  "unkey/authorization/workspace_disabled": [403, "Workspace is disabled"],
  // application
  "unkey/application/invalid_input": [400, "Bad Request"],
  "unkey/application/invalid_environment_settings": [400, "Bad Request"],
  "unkey/application/precondition_failed": [412, "Precondition Failed"],
  "unkey/application/protected_resource": [412, "Resource is protected"],
  "unkey/application/deployment_is_current": [412, "Precondition Failed"],
  "unkey/application/deployment_no_current": [412, "Precondition Failed"],
  "unkey/application/deployment_is_production": [412, "Precondition Failed"],
  "unkey/application/deployment_not_production": [412, "Precondition Failed"],
  "unkey/application/deployment_is_stopping": [412, "Precondition Failed"],
  "unkey/application/deployment_not_running": [412, "Precondition Failed"],
  "unkey/application/deployment_not_stopped": [412, "Precondition Failed"],
  "unkey/application/deployment_not_ready": [412, "Precondition Failed"],
  "unkey/application/unexpected_error": [500, "Internal Server Error"],
  "unkey/application/assertion_failed": [500, "Internal Server Error"],
  // Unkey's docs say 503; its server answers 500, and so do we
  "unkey/application/service_unavailable": [500, "Service Unavailable"],
  // data
  "unkey/data/api_not_found": [404, "Not Found"],
  "unkey/data/key_not_found": [404, "Not Found"],
  "unkey/data/key_space_not_found": [404, "Not Found"],
  "unkey/data/workspace_not_found": [404, "Not Found"],
  "unkey/data/root_key_not_found": [404, "Not Found"],
  "unkey/data/migration_not_found": [404, "Not Found"],
  "unkey/data/webhook_endpoint_not_found": [404, "Not Found"],
  "unkey/data/webhook_delivery_not_found": [404, "Not Found"],
  "unkey/data/identity_not_found": [404, "Not Found"],
  "unkey/data/permission_not_found": [404, "Not Found"],
  "unkey/data/role_not_found": [404, "Not Found"],
  "unkey/data/ratelimit_namespace_not_found": [404, "Not Found"],
  "unkey/data/ratelimit_override_not_found": [404, "Not Found"],
  "unkey/data/audit_log_not_found": [404, "Not Found"],
  "unkey/data/portal_not_found": [404, "Not Found"],
  "unkey/data/project_not_found": [404, "Not Found"],
  "unkey/data/app_not_found": [404, "Not Found"],
  "unkey/data/environment_not_found": [404, "Not Found"],
  "unkey/data/deployment_not_found": [404, "Not Found"],
  "unkey/data/domain_not_found": [404, "Not Found"],
  "unkey/data/bundle_not_found": [404, "Not Found"],
  "unkey/data/policy_not_found": [404, "Not Found"],
  "unkey/data/identity_already_exists": [409, "Conflicting Resource"],
  "unkey/data/permission_already_exists": [409, "Conflicting Resource"],
  "unkey/data/role_already_exists": [409, "Conflicting Resource"],
  "unkey/data/project_already_exists": [409, "Conflicting Resource"],
  "unkey/data/app_already_exists": [409, "Conflicting Resource"],
  "unkey/data/domain_already_exists": [409, "Conflicting Resource"],
  "unkey/data/portal_already_exists": [409, "Conflicting Resource"],
  "unkey/data/ratelimit_namespace_gone": [410, "Resource Gone"],
  "unkey/data/analytics_not_configured": [412, "Precondition Failed"],
  "unkey/data/analytics_connection_failed": [503, "Service Unavailable"],
  "unkey/limits/custom_domain_limit_exceeded": [403, "Forbidden"],
  "unkey/limits/bundle_limit_exceeded": [403, "Forbidden"],
  // user
  "user/bad_request/permissions_query_syntax_error": [400, "Bad Request"],
  "user/bad_request/request_body_unreadable": [400, "Bad Request"],
  "user/bad_request/request_body_too_large": [413, "Request Entity Too Large"],
  "user/bad_request/request_headers_too_large": [431, "Request Header Fields Too Large"],
  "user/bad_request/request_timeout": [408, "Request Timeout"],
  "user/bad_request/client_closed_request": [499, "Client Closed Request"],
  "user/bad_request/invalid_analytics_query": [400, "Bad Request"],
  "user/bad_request/invalid_analytics_table": [400, "Bad Request"],
  "user/bad_request/invalid_analytics_function": [400, "Bad Request"],
  "user/bad_request/invalid_analytics_query_type": [400, "Bad Request"],
  "user/bad_request/query_range_exceeds_retention": [400, "Bad Request"],
  "user/too_many_requests/workspace_rate_limited": [429, "Too Many Requests"],
  "user/too_many_requests/query_quota_exceeded": [429, "Too Many Requests"],
  "user/unprocessable_entity/query_execution_timeout": [422, "Unprocessable Entity"],
  "user/unprocessable_entity/query_memory_limit_exceeded": [422, "Unprocessable Entity"],
  "user/unprocessable_entity/query_rows_limit_exceeded": [422, "Unprocessable Entity"],
  // not found route (ours)
  "unkey/application/route_not_found": [404, "Not Found"],
  "unkey/application/method_not_allowed": [405, "Method Not Allowed"],
  "unkey/application/unsupported_media_type": [415, "Unsupported Media Type"],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof CATALOGUE;

export interface FieldError {
  location: string;
  message: string;
  fix?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    opts: { errors?: FieldError[]; title?: string; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    const [status, title] = CATALOGUE[code];
    this.status = status;
    this.title = opts.title ?? title;
    this.errors = opts.errors;
    this.headers = opts.headers;
  }
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;

  /** The `error` member of the envelope. 400s always carry `errors` (possibly empty). */
  toJSON() {
    return {
      title: this.title,
      detail: this.detail,
      status: this.status,
      type: `https://unkey.com/docs/errors/${this.code}`,
      ...(this.status === 400 ? { errors: this.errors ?? [] } : {}),
    };
  }
}

/** Business-rule 400s share the invalid_input type, with an empty errors[]. */
export const invalidInput = (detail: string, errors: FieldError[] = []) => new ApiError("unkey/application/invalid_input", detail, { errors });

/** q-value of the most specific Accept range matching `type` (0 when none does). */
function quality(accept: string, type: string): { q: number; exact: boolean } {
  const [main] = type.split("/");
  let best = { q: 0, specificity: -1, exact: false };
  for (const part of accept.split(",")) {
    const [range = "", ...params] = part
      .trim()
      .toLowerCase()
      .split(";")
      .map((s) => s.trim());
    const specificity = range === type ? 2 : range === `${main}/*` ? 1 : range === "*/*" ? 0 : -1;
    if (specificity < 0 || specificity < best.specificity) continue;
    const qp = params.find((p) => p.startsWith("q="));
    const q = qp ? Number(qp.slice(2)) : 1;
    best = { q: Number.isFinite(q) ? q : 0, specificity, exact: specificity === 2 };
  }
  return { q: best.q, exact: best.exact };
}

/**
 * Error answers are `application/problem+json` when the request's Accept names it (with q > 0,
 * not below application/json's); otherwise `application/json`, which is what a wildcard Accept and the SDKs
 * (`Accept: application/json`) get.
 */
export function errorContentType(accept: string | null | undefined): string {
  if (!accept) return "application/json";
  const problem = quality(accept, "application/problem+json");
  const json = quality(accept, "application/json");
  return problem.exact && problem.q > 0 && problem.q >= json.q ? "application/problem+json" : "application/json";
}

/**
 * Whether an unhandled error is a failure of the storage behind the request (D1, a Durable
 * Object) rather than a bug: D1 reports `D1_…` errors, Durable Object stubs set `retryable`,
 * `overloaded` or `durableObjectReset`. drizzle wraps driver errors, so causes are followed.
 */
export function isStorageFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const x = e as { message?: unknown; name?: unknown; retryable?: unknown; overloaded?: unknown; durableObjectReset?: unknown };
    if (x.retryable === true || x.overloaded === true || x.durableObjectReset === true) return true;
    if (typeof x.message === "string" && /^D1_|\bD1_[A-Z_]+\b|Durable Object|network connection lost/i.test(x.message)) return true;
  }
  return false;
}

/** Seconds a client should wait before retrying after a storage failure. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/** D1 reports a violated unique index as an error whose message names the constraint. */
export const isUniqueViolation = (e: unknown) => /UNIQUE constraint failed/i.test(String((e as Error)?.message ?? e));
