import { ApiError } from "../errors";

/**
 * Where the portal lives, and which browser requests come from it.
 *
 * The portal's address is configuration, never the request's Host header (a forged Host would
 * otherwise put a session code on the attacker's site): `PORTAL_BASE_URL`, else `API_BASE_URL`
 * + `/portal`. Local development (`LOCAL_DEV=1`, set by `npm start` and the test harnesses) may
 * leave both unset: then a request to a loopback address uses its own origin.
 */
export interface PortalConfig {
  PORTAL_BASE_URL?: string;
  API_BASE_URL?: string;
  LOCAL_DEV?: string;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const notConfigured = (detail: string) => new ApiError("unkey/application/precondition_failed", detail);

function absolute(name: string, value: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol === "https:" || url.protocol === "http:") return url;
  } catch {
    // reported below
  }
  throw notConfigured(`The Worker var ${name} must be an absolute http(s) URL; it is "${value}".`);
}

/** The portal's base URL (no trailing slash), e.g. `https://api.acme.com/portal`; 412 when not configured. */
export function portalBaseUrl(config: PortalConfig, requestUrl: string): string {
  const portal = config.PORTAL_BASE_URL?.trim();
  if (portal) return absolute("PORTAL_BASE_URL", portal).href.replace(/\/+$/, "");
  const api = config.API_BASE_URL?.trim();
  if (api) return `${absolute("API_BASE_URL", api).href.replace(/\/+$/, "")}/portal`;
  if (config.LOCAL_DEV === "1") {
    const own = new URL(requestUrl);
    if (LOOPBACK.has(own.hostname)) return `${own.origin}/portal`;
  }
  throw notConfigured(
    "The portal's address is not configured: set the Worker var PORTAL_BASE_URL (e.g. https://developers.example.com/portal), or API_BASE_URL (this API's public origin, e.g. https://api.example.com; the portal is then API_BASE_URL + /portal).",
  );
}

/** The origin browsers show for portal pages, or null when the portal's address is not configured. */
export function portalOrigin(config: PortalConfig, requestUrl: string): string | null {
  try {
    return new URL(portalBaseUrl(config, requestUrl)).origin;
  } catch (err) {
    if (err instanceof ApiError) return null;
    throw err;
  }
}

/**
 * Whether a cookie-carrying request comes from the portal itself (CSRF check): a browser names
 * the page that sent it in `Origin` and, for other sites, says so in `Sec-Fetch-Site`. Either
 * naming another site refuses; `Origin: null` (sandboxed or privacy-redirected) refuses. A
 * request with neither header is not from a browser page of another site.
 */
export function fromPortal(headers: { origin?: string; secFetchSite?: string }, allowedOrigin: string | null): boolean {
  const { origin, secFetchSite } = headers;
  if (secFetchSite !== undefined && secFetchSite !== "same-origin" && secFetchSite !== "none") return false;
  if (origin !== undefined) return allowedOrigin !== null && origin === allowedOrigin;
  return true;
}

/** `application/json`, with or without parameters: the only body type a cookie-authenticated JSON route takes. */
export function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && value.split(";")[0]!.trim().toLowerCase() === "application/json";
}
