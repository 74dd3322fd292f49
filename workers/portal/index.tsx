/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { AppEnv } from "../lib/env";
import { Message } from "./layout";
import { harden, type Ctx } from "./session";
import { entryPage } from "./pages/entry";
import { keysPage } from "./pages/keys";
import { confirmRollPage, rollKey } from "./pages/roll";
import { usagePage } from "./pages/usage";
import { docsPage } from "./pages/docs";
import { logout } from "./pages/logout";

/**
 * The customer portal, served by the API Worker under /portal and rendered on the server
 * (hono/jsx, no client script), one file per page in pages/. Opening the URL from
 * `portal.createSession` redeems its code and sets the `portal_session` cookie; every page
 * after that reads the session from the cookie (session.tsx). Forms that change something
 * carry a per-session CSRF token and are refused when the browser says they come from another
 * origin.
 */
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

  app.get("/portal", entryPage);
  app.get("/portal/", entryPage);
  app.get("/portal/keys", keysPage);
  app.get("/portal/keys/roll", confirmRollPage);
  app.post("/portal/keys/roll", rollKey);
  app.get("/portal/usage", usagePage);
  app.get("/portal/docs", docsPage);
  app.post("/portal/logout", logout);
  return app;
}
