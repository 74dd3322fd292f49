/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { PortalSession } from "../lib/portal/sessions";
import { DEFAULT_PRIMARY_COLOR } from "../lib/portal/portals";

export type Tab = "keys" | "usage" | "docs";

/** Which tabs a session's scopes open: keys for any keys:* scope, usage for analytics:read, docs for any. */
export function visibleTabs(session: PortalSession): Tab[] {
  const tabs: Tab[] = [];
  if (session.scopes.some((s) => s.startsWith("keys:"))) tabs.push("keys");
  if (session.scopes.includes("analytics:read")) tabs.push("usage");
  if (session.scopes.length > 0) tabs.push("docs");
  return tabs;
}

const TAB_LABEL: Record<Tab, string> = { keys: "API keys", usage: "Usage", docs: "Documentation" };

/** The stored colour was validated on write; checked again here because it lands in CSS. */
function brandColor(color: string | null | undefined): string {
  return color && /^#[0-9a-fA-F]{6}$/.test(color) ? color : DEFAULT_PRIMARY_COLOR;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f8fafc}
header.top{background:#fff;border-bottom:1px solid #e5e7eb}
.wrap{max-width:980px;margin:0 auto;padding:0 20px}
.brand{display:flex;align-items:center;gap:12px;padding:14px 0}
.brand img{height:32px;width:auto;max-width:160px;object-fit:contain}
.brand .name{font-weight:650;font-size:18px}
.brand .who{margin-left:auto;color:#6b7280;font-size:13px;display:flex;gap:12px;align-items:center}
nav.tabs{display:flex;gap:4px}
nav.tabs a{padding:10px 14px;color:#374151;text-decoration:none;border-bottom:3px solid transparent}
nav.tabs a[aria-current=page]{color:var(--brand);border-bottom-color:var(--brand);font-weight:600}
main{padding:24px 0 48px}
h1{font-size:22px;margin:0 0 16px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:20px;margin-bottom:20px}
table{width:100%;border-collapse:collapse;font-size:14px}
th,td{text-align:left;padding:9px 8px;border-bottom:1px solid #f1f5f9;vertical-align:middle}
th{color:#6b7280;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.btn{display:inline-block;background:var(--brand);color:#fff;border:1px solid var(--brand);border-radius:6px;padding:6px 12px;font-weight:600;font-size:13px;line-height:1.4;font-family:inherit;cursor:pointer;white-space:nowrap;text-decoration:none}
.btn.secondary{background:#fff;color:#374151;border-color:#d1d5db}
a.btn.secondary{color:#374151}
.nowrap{white-space:nowrap}
.scroll{overflow-x:auto}
.toolbar{display:flex;flex-wrap:wrap;gap:12px;align-items:center;justify-content:space-between;margin-bottom:8px}
.toolbar p{margin:0}
.segmented{display:inline-flex;border:1px solid #d1d5db;border-radius:8px;overflow:hidden;background:#fff;flex:none}
.segmented a{padding:6px 14px;font-size:13px;font-weight:600;color:#374151;text-decoration:none;border-left:1px solid #d1d5db;white-space:nowrap}
.segmented a:first-child{border-left:0}
.segmented a:hover{background:#f3f4f6}
.segmented a[aria-current=page]{background:var(--brand);color:#fff}
select,input{padding:6px;border:1px solid #d1d5db;border-radius:6px;font-size:13px;line-height:1.4;font-family:inherit}
form.inline{display:flex;gap:6px;align-items:center;margin:0;flex-wrap:nowrap}
.banner{background:#fef3c7;color:#92400e;padding:8px 0;font-size:14px;text-align:center}
.secret{display:block;padding:12px;background:#0f172a;color:#e2e8f0;border-radius:8px;word-break:break-all;font-size:15px;user-select:all}
.notice{border-left:4px solid var(--brand);background:#fff;padding:12px 16px;border-radius:6px;margin-bottom:16px}
.warn{border-left-color:#f59e0b}
.muted{color:#6b7280}
.legend{display:flex;flex-wrap:wrap;gap:14px;list-style:none;padding:0;margin:8px 0 0;font-size:13px;color:#374151}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.markdown pre{background:#0f172a;color:#e2e8f0;padding:12px;border-radius:8px;overflow:auto}
.markdown code{background:#f1f5f9;padding:1px 4px;border-radius:4px}
.markdown pre code{background:none;padding:0}
.markdown blockquote{margin:0;padding:4px 16px;border-left:4px solid #e5e7eb;color:#4b5563}
.markdown a,a{color:var(--brand)}
table.totals{width:auto;min-width:280px;margin-top:12px}
table.totals td{text-align:right;font-variant-numeric:tabular-nums}
.center{max-width:520px;margin:80px auto;text-align:center}
`;

export interface Branding {
  name: string | null;
  logoUrl: string | null;
  primaryColor: string | null;
}

export function Page(props: { title: string; branding?: Branding; session?: PortalSession; tab?: Tab; csrf?: string; refreshTo?: string; children: Child }) {
  const { branding, session } = props;
  const portalName = branding?.name ?? "Developer portal";
  // <!doctype html> keeps browsers in standards mode; hono/jsx renders only elements
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="same-origin" />
          {props.refreshTo ? <meta http-equiv="refresh" content={`0;url=${props.refreshTo}`} /> : null}
          <title>{`${props.title} · ${portalName}`}</title>
          {/* raw, not a text child: hono/jsx would HTML-escape the quotes in the CSS (the colour is checked above) */}
          <style dangerouslySetInnerHTML={{ __html: `:root{--brand:${brandColor(branding?.primaryColor)}}${CSS}` }} />
        </head>
        <body>
          {session?.preview ? <div class="banner">Preview mode — this is how your users will see the portal.</div> : null}
          <header class="top">
            <div class="wrap">
              <div class="brand">
                {branding?.logoUrl ? <img src={branding.logoUrl} alt="" /> : null}
                <span class="name">{portalName}</span>
                {session ? (
                  <span class="who">
                    <span>
                      Signed in as <strong>{session.externalId}</strong>
                    </span>
                    {session.returnUrl ? <a href={session.returnUrl}>Back to the app</a> : null}
                    {props.csrf ? (
                      <form method="post" action="/portal/logout" class="inline">
                        <input type="hidden" name="csrf" value={props.csrf} />
                        <button class="btn secondary" type="submit">
                          Sign out
                        </button>
                      </form>
                    ) : null}
                  </span>
                ) : null}
              </div>
              {session ? (
                <nav class="tabs">
                  {visibleTabs(session).map((t) => (
                    <a href={`/portal/${t}`} aria-current={props.tab === t ? "page" : undefined}>
                      {TAB_LABEL[t]}
                    </a>
                  ))}
                </nav>
              ) : null}
            </div>
          </header>
          <main>
            <div class="wrap">{props.children}</div>
          </main>
        </body>
      </html>
    </>
  );
}

/** A full-page message (invalid link, expired session, not found …). */
export function Message(props: { title: string; branding?: Branding; children: Child }) {
  return (
    <Page title={props.title} branding={props.branding}>
      <div class="center card" data-testid="message">
        <h1>{props.title}</h1>
        {props.children}
      </div>
    </Page>
  );
}
