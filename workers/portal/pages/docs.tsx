/** @jsxImportSource hono/jsx */
import { Page, visibleTabs } from "../layout";
import { Markdown } from "../markdown";
import { noAccess, pageSession, type Ctx } from "../session";

/** `/portal/docs`: the portal's Markdown documentation. */
export async function docsPage(c: Ctx) {
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
}
