/** @jsxImportSource hono/jsx */
import { setCookie } from "hono/cookie";
import { ApiError } from "../../lib/errors";
import { inspectSessionToken, redeemCode, SESSION_COOKIE, TOKEN_TTL_MS } from "../../lib/portal/sessions";
import { Message, Page, visibleTabs } from "../layout";
import { pageSession, type Ctx } from "../session";

/** Entry (`/portal/`): `?code=pst_…` from portal.createSession, else wherever the session starts. */
export async function entryPage(c: Ctx) {
  const code = c.req.query("code");
  if (code !== undefined) {
    let redeemed: { accessToken: string; expiresAt: number };
    try {
      redeemed = await redeemCode(c.var.scope, code);
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
    const found = await inspectSessionToken(c.var.scope, redeemed.accessToken);
    const first = found.state === "active" ? (visibleTabs(found.session)[0] ?? "docs") : "docs";
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
}
