/**
 * Rejections of the Sentinel (sentinel-deploy §1.7): the documented problem body plus the URN
 * `code`, as JSON when the client accepts it and as a small HTML page otherwise.
 */
export const REJECTIONS = {
  "client:missing_credentials": [401, "Unauthorized", "Authentication required. Please provide a valid API key."],
  "client:invalid_key": [401, "Unauthorized", "Authentication failed. The provided API key is invalid."],
  "client:insufficient_permissions": [403, "Forbidden", "Access denied. The API key does not have the required permissions."],
  "client:firewall_denied": [403, "Forbidden", "Forbidden"],
  "client:rate_limited": [429, "Too Many Requests", "Rate limit exceeded. Please try again later."],
  "client:usage_exceeded": [429, "Too Many Requests", "Usage limit exceeded. This API key has no remaining credits."],
  "client:openapi_validation_failed": [400, "Bad Request", "The request does not match the API's OpenAPI document."],
  // our extensions: requests no policy should ever see (docs/sentinel.md "Request handling")
  "client:invalid_path": [400, "Bad Request", "The request path is not accepted by the gateway."],
  "client:method_not_allowed": [405, "Method Not Allowed", "The gateway does not forward this method."],
  "client:request_headers_too_large": [431, "Request Header Fields Too Large", "The request headers are too large."],
  "routing:config_not_found": [404, "Not Found", "No deployment is configured for this hostname."],
  "routing:deployment_not_found": [404, "Not Found", "The deployment for this hostname was not found."],
  "capacity:deployment_offline": [503, "Service Unavailable", "The deployment is not running."],
  "upstream:service_unavailable": [503, "Service Unavailable", "The upstream could not be reached."],
  "upstream:bad_gateway": [502, "Bad Gateway", "The upstream connection failed while answering."],
  "upstream:proxy_forward_failed": [502, "Bad Gateway", "The request could not be forwarded to the upstream."],
  // our extension: a code deployment threw instead of answering (the exception is in its runtime logs)
  "upstream:application_error": [500, "Internal Server Error", "The app threw an exception while handling the request."],
  "upstream:gateway_timeout": [504, "Gateway Timeout", "The upstream did not answer in time."],
  "config:invalid_configuration": [422, "Unprocessable Entity", "The gateway configuration of this deployment is invalid."],
  "platform:internal_server_error": [500, "Internal Server Error", "An unexpected error occurred in the gateway."],
} as const satisfies Record<string, readonly [number, string, string]>;

export type RejectionCode = keyof typeof REJECTIONS;

export class Rejection extends Error {
  constructor(
    readonly code: RejectionCode,
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? REJECTIONS[code][2]);
  }
  get status() {
    return REJECTIONS[this.code][0];
  }
}

/** JSON for `application/json`, `application/*` or `*\/*` without `text/html`; HTML otherwise (also with no Accept). */
export function wantsJson(accept: string | null): boolean {
  if (!accept) return false;
  const a = accept.toLowerCase();
  if (a.includes("application/json") || a.includes("application/*")) return true;
  return a.includes("*/*") && !a.includes("text/html");
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderRejection(r: Rejection, requestId: string, accept: string | null, extraHeaders: Headers): Response {
  const [status, title, message] = REJECTIONS[r.code];
  const [system, category, specific] = ["frontline", ...r.code.split(":")] as [string, string, string];
  const urn = `err:${system}:${category}:${specific}`;
  const docs = `https://unkey.com/docs/errors/${system}/${category}/${specific}`;
  const detail = r.detail ?? message;
  const headers = new Headers(extraHeaders);
  for (const [k, v] of Object.entries(r.headers)) headers.set(k, v);
  headers.set("X-Unkey-Request-Id", requestId);
  headers.set("cache-control", "no-store");
  if (wantsJson(accept)) {
    headers.set("content-type", "application/json");
    const body = { meta: { requestId }, error: { title, detail, status, type: docs, code: urn, message: detail } };
    return new Response(JSON.stringify(body), { status, headers });
  }
  headers.set("content-type", "text/html; charset=utf-8");
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${status} ${escapeHtml(title)}</title></head><body><h1>${status} ${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p><p><code>${urn}</code> · <a href="${docs}">documentation</a></p><p>Request id: <code>${requestId}</code></p></body></html>`;
  return new Response(html, { status, headers });
}
