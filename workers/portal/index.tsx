/** @jsxImportSource hono/jsx */
import { Hono, type Context } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import type { AppEnv } from "../lib/env";
import { db } from "../lib/db";
import { ApiError } from "../lib/errors";
import { sha256Base64, timingSafeEqual } from "../lib/crypto";
import { enforceWorkspaceRateLimit } from "../lib/auth/workspaceRateLimit";
import {
  hasScope,
  inspectSessionToken,
  redeemCode,
  revokeSession,
  SESSION_COOKIE,
  TOKEN_TTL_MS,
  type PortalSession,
} from "../lib/portal/sessions";
import { listOwnedKeys, rerollOwnedKey } from "../lib/portal/keys";
import { verificationSeries } from "../lib/portal/verifications";
import { Message, Page, visibleTabs, type Tab } from "./layout";
import { Markdown } from "./markdown";
import { SERIES, UsageChart, valueOf } from "./chart";

/**
 * The customer portal, served by the API Worker under /portal and rendered on the server
 * (hono/jsx, no client script). Opening the URL from `portal.createSession` redeems its code
 * and sets the `portal_session` cookie; every page after that reads the session from the
 * cookie. Forms that change something carry a per-session CSRF token and are refused when
 * the browser says they come from another origin.
 */
type Ctx = Context<AppEnv>;

const DAY = 86_400_000;
const GRACE_OPTIONS: { ms: number; label: string }[] = [
  { ms: 0, label: "Stop the old key now" },
  { ms: 60_000, label: "Keep the old key 1 minute" },
  { ms: 3_600_000, label: "Keep the old key 1 hour" },
  { ms: DAY, label: "Keep the old key 24 hours" },
  { ms: 7 * DAY, label: "Keep the old key 7 days" },
];

/** Security headers of every portal page: no scripts, no framing, no caching, no referrer to other sites (same-origin keeps the Origin header on form posts, which the CSRF check reads). */
function harden(c: Ctx) {
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

function fmtTime(ms: number | null | undefined): string {
  if (!ms) return "—";
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

function graceText(ms: number): string {
  if (ms <= 0) return "immediately";
  const units: [number, string][] = [
    [7 * DAY, "week"],
    [DAY, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1000, "second"],
  ];
  for (const [size, name] of units) {
    if (ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return `${ms} ms`;
}

type PageSession = { session: PortalSession; token: string; csrf: string };

/**
 * The session of this page request, or the response to send instead: a "sign in again" page
 * for a missing or unknown cookie; for an ended session, a redirect to its return URL with
 * `reason=session_expired` when it has one, else a "session expired" page.
 */
async function pageSession(c: Ctx): Promise<PageSession | Response> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return notSignedIn(c);
  const found = await inspectSessionToken(c, token);
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

function noAccess(c: Ctx, s: PageSession, tab: Tab) {
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
 * A form post is accepted only from this portal: the browser's Origin (or, without it,
 * Sec-Fetch-Site) must not name another site, and the CSRF field must match the session.
 */
function sameOrigin(c: Ctx): boolean {
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== "null") {
    const allowed = new Set([new URL(c.req.url).origin]);
    const base = c.env.PORTAL_BASE_URL?.trim();
    if (base) {
      try {
        allowed.add(new URL(base).origin);
      } catch {
        // an invalid PORTAL_BASE_URL adds nothing
      }
    }
    return allowed.has(origin);
  }
  if (origin === "null") return false;
  const site = c.req.header("sec-fetch-site");
  return site === undefined || site === "same-origin" || site === "none";
}

async function checkForm(c: Ctx, s: PageSession): Promise<Record<string, string> | Response> {
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

/** The portal's routes, with their full paths under /portal; mount with `app.route("/", portalPages())`. */
export function portalPages() {
  const app = new Hono<AppEnv>();

  const hardening = async (c: Ctx, next: () => Promise<void>) => {
    await next();
    harden(c);
  };
  app.use("/portal", hardening);
  app.use("/portal/*", hardening);

  app.onError((err, c) => {
    console.error(`[${c.get("requestId")}] portal page error`, err instanceof Error ? err.stack : err);
    harden(c);
    return c.html(
      <Message title="Something went wrong">
        <p>The portal could not complete this request. Please try again.</p>
        <p class="muted mono">Request {c.get("requestId")}</p>
      </Message>,
      500,
    );
  });

  /** Entry: `?code=pst_…` from portal.createSession, else wherever the session starts. */
  const entry = async (c: Ctx) => {
    const code = c.req.query("code");
    if (code !== undefined) {
      let redeemed: { accessToken: string; expiresAt: number };
      try {
        redeemed = await redeemCode(c, code);
      } catch (err) {
        if (err instanceof ApiError && err.status < 500) {
          return c.html(
            <Message title="This link no longer works">
              <p>Portal links work once and only for 15 minutes. This one is invalid, expired or already used.</p>
              <p class="muted">Go back to the application that sent you here and open the portal again.</p>
            </Message>,
            401,
          );
        }
        throw err;
      }
      setCookie(c, SESSION_COOKIE, redeemed.accessToken, {
        path: "/",
        httpOnly: true,
        secure: true,
        sameSite: "Strict",
        maxAge: Math.floor(TOKEN_TTL_MS / 1000),
      });
      const found = await inspectSessionToken(c, redeemed.accessToken);
      const first = found.state === "active" ? visibleTabs(found.session)[0] ?? "docs" : "docs";
      // A page (not a redirect) hands over to the first tab, so the next request is a
      // same-site navigation that carries the SameSite=Strict cookie, and the code leaves
      // the address bar.
      return c.html(
        <Page title="Signing in" branding={found.state === "active" ? found.session.portal : undefined} refreshTo={`/portal/${first}`}>
          <div class="center card">
            <h1>Signed in</h1>
            <p>
              <a href={`/portal/${first}`}>Continue to the portal</a>
            </p>
          </div>
        </Page>,
      );
    }
    const s = await pageSession(c);
    if (s instanceof Response) return s;
    return c.redirect(`/portal/${visibleTabs(s.session)[0] ?? "docs"}`, 302);
  };
  app.get("/portal", entry);
  app.get("/portal/", entry);

  app.get("/portal/keys", async (c) => {
    const s = await pageSession(c);
    if (s instanceof Response) return s;
    const { session } = s;
    if (!visibleTabs(session).includes("keys")) return noAccess(c, s, "keys");
    const canRead = hasScope(session, "keys:read");
    const canRoll = hasScope(session, "keys:reroll");
    const cursor = c.req.query("cursor") || undefined;
    const rows = canRead ? await listOwnedKeys(db(c.env.DB), session, 101, cursor) : [];
    const keys = rows.slice(0, 100);
    const next = rows.length > 100 ? rows[100]!.id : undefined;
    const now = Date.now();
    return c.html(
      <Page title="API keys" branding={session.portal} session={session} tab="keys" csrf={s.csrf}>
        <h1>API keys</h1>
        {canRead ? (
          <div class="card">
            {keys.length === 0 ? (
              <p class="muted" data-testid="no-keys">
                You have no API keys yet.
              </p>
            ) : (
              <table data-testid="keys-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Key</th>
                    <th>Created</th>
                    <th>Last used</th>
                    <th>Credits</th>
                    <th>Expires</th>
                    {canRoll ? <th>Roll</th> : null}
                  </tr>
                </thead>
                <tbody>
                  {keys.map((k) => (
                    <tr data-key-id={k.id}>
                      <td>{k.name ?? <span class="muted">unnamed</span>}</td>
                      <td class="mono" data-testid="key-start">
                        {k.start}…
                      </td>
                      <td>{fmtTime(k.createdAt)}</td>
                      <td>{k.lastUsedAt ? fmtTime(k.lastUsedAt) : <span class="muted">never</span>}</td>
                      <td data-testid="key-credits">{k.remaining === null ? "unlimited" : String(k.remaining)}</td>
                      <td>
                        {k.expires === null ? (
                          <span class="muted">never</span>
                        ) : k.expires <= now ? (
                          <span>expired {fmtTime(k.expires)}</span>
                        ) : (
                          fmtTime(k.expires)
                        )}
                      </td>
                      {canRoll ? (
                        <td>
                          <form method="post" action="/portal/keys/roll" class="inline">
                            <input type="hidden" name="csrf" value={s.csrf} />
                            <input type="hidden" name="keyId" value={k.id} />
                            <select name="expiration" aria-label="Grace period for the old key">
                              {GRACE_OPTIONS.map((g) => (
                                <option value={String(g.ms)} selected={g.ms === DAY}>
                                  {g.label}
                                </option>
                              ))}
                            </select>
                            <button class="btn" type="submit">
                              Roll key
                            </button>
                          </form>
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {next ? (
              <p>
                <a href={`/portal/keys?cursor=${encodeURIComponent(next)}`}>Next page</a>
              </p>
            ) : null}
          </div>
        ) : (
          <div class="card">
            <p>Your session can roll keys but not list them. Enter the id of the key to roll.</p>
            <form method="post" action="/portal/keys/roll" class="inline">
              <input type="hidden" name="csrf" value={s.csrf} />
              <input name="keyId" required placeholder="key_…" class="mono" />
              <select name="expiration" aria-label="Grace period for the old key">
                {GRACE_OPTIONS.map((g) => (
                  <option value={String(g.ms)} selected={g.ms === DAY}>
                    {g.label}
                  </option>
                ))}
              </select>
              <button class="btn" type="submit">
                Roll key
              </button>
            </form>
          </div>
        )}
        <p class="muted">
          Rolling a key issues a new secret with the same settings. The old key keeps working for the grace period you
          choose (rounded up to the next full minute), so you can switch over without downtime.
        </p>
      </Page>,
    );
  });

  app.post("/portal/keys/roll", async (c) => {
    const s = await pageSession(c);
    if (s instanceof Response) return s;
    const form = await checkForm(c, s);
    if (form instanceof Response) return form;
    const { session } = s;
    if (!hasScope(session, "keys:reroll")) return noAccess(c, s, "keys");
    const keyId = (form.keyId ?? "").trim();
    const expiration = Number(form.expiration);
    if (!/^[a-zA-Z0-9_]{3,255}$/.test(keyId) || !Number.isInteger(expiration) || expiration < 0 || expiration > 4_102_444_800_000) {
      return c.html(
        <Page title="Roll a key" branding={session.portal} session={session} tab="keys" csrf={s.csrf}>
          <div class="notice warn" data-testid="message">
            That request was not valid. <a href="/portal/keys">Back to your keys</a>
          </div>
        </Page>,
        400,
      );
    }
    let rolled: Awaited<ReturnType<typeof rerollOwnedKey>>;
    try {
      rolled = await rerollOwnedKey(c, session, keyId, expiration);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 412)) {
        return c.html(
          <Page title="Key not found" branding={session.portal} session={session} tab="keys" csrf={s.csrf}>
            <div class="notice warn" data-testid="message">
              {err.status === 404 ? "That key was not found among your keys." : "This key cannot be rolled here."}{" "}
              <a href="/portal/keys">Back to your keys</a>
            </div>
          </Page>,
          err.status === 404 ? 404 : 412,
        );
      }
      throw err;
    }
    return c.html(
      <Page title="Key rolled" branding={session.portal} session={session} tab="keys" csrf={s.csrf}>
        <h1>Your new key</h1>
        <div class="card">
          <p>
            <strong>Copy it now — it is shown only once.</strong> We keep only a fingerprint of it and cannot show it again.
          </p>
          <code class="secret" data-testid="new-key" data-key-id={rolled.keyId}>
            {rolled.key}
          </code>
        </div>
        <div class="notice" data-testid="grace">
          {expiration === 0 ? (
            <span>
              The old key <span class="mono">{rolled.oldKeyId}</span> stopped working immediately.
            </span>
          ) : (
            <span>
              The old key <span class="mono">{rolled.oldKeyId}</span> keeps working for a grace period of{" "}
              {graceText(expiration)} (rounded up to the next full minute), until{" "}
              <time datetime={new Date(rolled.oldKeyExpires).toISOString()} data-expires={rolled.oldKeyExpires}>
                {fmtTime(rolled.oldKeyExpires)}
              </time>
              .
            </span>
          )}
        </div>
        <p>
          <a href="/portal/keys">Back to your keys</a>
        </p>
      </Page>,
    );
  });

  app.get("/portal/usage", async (c) => {
    const s = await pageSession(c);
    if (s instanceof Response) return s;
    const { session } = s;
    if (!hasScope(session, "analytics:read")) return noAccess(c, s, "usage");
    const retention = session.workspace.analyticsRetentionDays;
    const asked = Number(c.req.query("days") ?? "30");
    const options = [7, 30, 90].filter((d) => retention <= 0 || d <= retention);
    const days = options.includes(asked) ? asked : (options.at(-1) ?? Math.max(1, retention));
    const end = Math.floor(Date.now() / DAY) * DAY + DAY; // end of today (UTC), exclusive
    const points = await verificationSeries(db(c.env.ANALYTICS_DB), session, { startTime: end - days * DAY, endTime: end });
    const totals = SERIES.map((x) => ({ ...x, count: points.reduce((sum, p) => sum + valueOf(p, x.field), 0) }));
    const total = points.reduce((sum, p) => sum + p.total, 0);
    return c.html(
      <Page title="Usage" branding={session.portal} session={session} tab="usage" csrf={s.csrf}>
        <h1>Usage</h1>
        <div class="card">
          <p>
            Verifications of your keys per day over the last {days} days (UTC), by outcome.{" "}
            {options.map((d) =>
              d === days ? (
                <strong>{d} days </strong>
              ) : (
                <a href={`/portal/usage?days=${d}`}>{d} days </a>
              ),
            )}
          </p>
          <UsageChart points={points} bucketLabel={(t) => new Date(t).toISOString().slice(0, 10)} />
          <table data-testid="usage-totals" class="totals">
            <tbody>
              <tr>
                <th>Total</th>
                <td data-outcome="total">{total}</td>
              </tr>
              {totals
                .filter((t) => t.count > 0 || t.field === "valid")
                .map((t) => (
                  <tr>
                    <th>{t.label}</th>
                    <td data-outcome={t.field}>{t.count}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          <p class="muted">New verifications show up after a short delay.</p>
        </div>
      </Page>,
    );
  });

  app.get("/portal/docs", async (c) => {
    const s = await pageSession(c);
    if (s instanceof Response) return s;
    const { session } = s;
    if (!visibleTabs(session).includes("docs")) return noAccess(c, s, "docs");
    return c.html(
      <Page title="Documentation" branding={session.portal} session={session} tab="docs" csrf={s.csrf}>
        <h1>Documentation</h1>
        <div class="card" data-testid="docs">
          {session.portal.docsMarkdown ? <Markdown source={session.portal.docsMarkdown} /> : <p class="muted">No documentation has been published yet.</p>}
        </div>
      </Page>,
    );
  });

  app.post("/portal/logout", async (c) => {
    const s = await pageSession(c);
    if (s instanceof Response) return s;
    const form = await checkForm(c, s);
    if (form instanceof Response) return form;
    await revokeSession(c, s.session, s.token);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true, httpOnly: true, sameSite: "Strict" });
    return c.html(
      <Message title="Signed out" branding={s.session.portal}>
        <p>You have left the portal on this browser.</p>
        {s.session.returnUrl ? (
          <p>
            <a href={s.session.returnUrl}>Back to the app</a>
          </p>
        ) : null}
      </Message>,
    );
  });

  return app;
}
