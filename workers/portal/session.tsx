/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import { getCookie, deleteCookie } from "hono/cookie";
import type { AppEnv } from "../lib/env";
import { ApiError } from "../lib/errors";
import { sha256Base64, timingSafeEqual } from "../lib/crypto";
import { enforceWorkspaceRateLimit } from "../api/middleware/auth";
import { inspectSessionToken, SESSION_COOKIE, type PortalSession } from "../lib/portal/sessions";
import { fromPortal, portalOrigin } from "../lib/portal/origin";
import { Message, Page, type Tab } from "./layout";

/** What every portal page shares: the session of the request, the CSRF check, formatting. */
export type Ctx = Context<AppEnv>;
export type PageSession = { session: PortalSession; token: string; csrf: string };

export const DAY = 86_400_000;

/** Security headers of every portal page: no scripts, no framing, no caching, no referrer to other sites (same-origin keeps the Origin header on form posts, which the CSRF check reads). */
export function harden(c: Ctx) {
  c.header(
    "Content-Security-Policy",
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  c.header("X-Frame-Options", "DENY");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "same-origin");
  c.header("Cache-Control", "no-store");
}

/** The per-session CSRF token: derived from the (HttpOnly, unguessable) access token. */
async function csrfToken(accessToken: string): Promise<string> {
  return (await sha256Base64(`portal-csrf:${accessToken}`)).replace(/[+/=]/g, (ch) => ({ "+": "-", "/": "_", "=": "" })[ch]!);
}

export function fmtTime(ms: number | null | undefined): string {
  if (!ms) return "—";
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/**
 * The session of this page request, or the response to send instead: a "sign in again" page
 * for a missing or unknown cookie; for an ended session, a redirect to its return URL with
 * `reason=session_expired` when it has one, else a "session expired" page.
 */
export async function pageSession(c: Ctx): Promise<PageSession | Response> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return notSignedIn(c);
  const found = await inspectSessionToken(c.var.scope, token);
  if (found.state === "unknown") return notSignedIn(c);
  if (found.state === "expired") {
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true, httpOnly: true, sameSite: "Strict" });
    if (found.returnUrl) {
      const back = new URL(found.returnUrl);
      back.searchParams.set("reason", "session_expired");
      return c.redirect(back.toString(), 302);
    }
    return c.html(
      <Message title="Session expired">
        <p>Your portal session has ended. Sessions last at most 24 hours and are never extended.</p>
        <p class="muted">Go back to the application that sent you here and open the portal again.</p>
      </Message>,
      401,
    );
  }
  c.var.scope.actor = { kind: "portalUser", session: found.session };
  try {
    await enforceWorkspaceRateLimit(c, found.session.workspace);
  } catch (err) {
    if (err instanceof ApiError && err.status === 429) {
      for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
      return c.html(
        <Message title="Too many requests">
          <p>Please wait a moment and try again.</p>
        </Message>,
        429,
      );
    }
    throw err;
  }
  return { session: found.session, token, csrf: await csrfToken(token) };
}

function notSignedIn(c: Ctx) {
  return c.html(
    <Message title="You are not signed in">
      <p>This portal opens from a link in the application you use.</p>
      <p class="muted">Go back to that application and open the portal again.</p>
    </Message>,
    401,
  );
}

export function noAccess(c: Ctx, s: PageSession, tab: Tab) {
  return c.html(
    <Page title="Not available" branding={s.session.portal} session={s.session} tab={tab} csrf={s.csrf}>
      <div class="card" data-testid="message">
        <h1>Not available</h1>
        <p>Your session does not include access to this page.</p>
      </div>
    </Page>,
    403,
  );
}

/**
 * A form post is accepted only from this portal: the browser's Origin and Sec-Fetch-Site must
 * not name another site (the same check as the cookie-authenticated JSON routes), and the CSRF
 * field must match the session.
 */
function sameOrigin(c: Ctx): boolean {
  return fromPortal({ origin: c.req.header("origin"), secFetchSite: c.req.header("sec-fetch-site") }, portalOrigin(c.env, c.req.url));
}

export async function checkForm(c: Ctx, s: PageSession): Promise<Record<string, string> | Response> {
  const refuse = () =>
    c.html(
      <Message title="Request refused" branding={s.session.portal}>
        <p>This form did not come from your portal session. Reload the page and try again.</p>
        <p>
          <a href="/portal/">Back to the portal</a>
        </p>
      </Message>,
      403,
    );
  if (!sameOrigin(c)) return refuse();
  let form: Record<string, string>;
  try {
    const body = await c.req.parseBody();
    form = Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === "string")) as Record<string, string>;
  } catch {
    return refuse();
  }
  if (typeof form.csrf !== "string" || !timingSafeEqual(form.csrf, s.csrf)) return refuse();
  return form;
}
