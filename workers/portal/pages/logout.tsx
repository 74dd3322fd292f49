/** @jsxImportSource hono/jsx */
import { deleteCookie } from "hono/cookie";
import { revokeSession, SESSION_COOKIE } from "../../lib/portal/sessions";
import { Message } from "../layout";
import { checkForm, pageSession, type Ctx } from "../session";

/** `POST /portal/logout`: ends the session at once. */
export async function logout(c: Ctx) {
  const s = await pageSession(c);
  if (s instanceof Response) return s;
  const form = await checkForm(c, s);
  if (form instanceof Response) return form;
  await revokeSession(c.var.scope, s.session, s.token);
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
}
