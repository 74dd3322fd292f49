/** @jsxImportSource hono/jsx */
import { db } from "../../lib/db";
import { hasScope } from "../../lib/portal/sessions";
import { listOwnedKeys } from "../../lib/portal/keys";
import { Page, visibleTabs } from "../layout";
import { fmtTime, noAccess, pageSession, type Ctx } from "../session";
import { GraceSelect } from "./roll";

/** `/portal/keys`: the user's keys; "Roll key" opens the confirmation page (pages/roll.tsx). */
export async function keysPage(c: Ctx) {
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
            <div class="scroll">
              <table data-testid="keys-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Key</th>
                    <th>Created</th>
                    <th>Last used</th>
                    <th>Credits</th>
                    <th>Expires</th>
                    {canRoll ? <th>Roll (old key keeps working)</th> : null}
                  </tr>
                </thead>
                <tbody>
                  {keys.map((k) => (
                    <tr data-key-id={k.id}>
                      <td>{k.name ?? <span class="muted">unnamed</span>}</td>
                      <td class="mono nowrap" data-testid="key-start">
                        {k.start}…
                      </td>
                      <td class="nowrap">{fmtTime(k.createdAt)}</td>
                      <td class="nowrap">{k.lastUsedAt ? fmtTime(k.lastUsedAt) : <span class="muted">never</span>}</td>
                      <td data-testid="key-credits">{k.remaining === null ? "unlimited" : String(k.remaining)}</td>
                      <td class="nowrap">
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
                          <form method="get" action="/portal/keys/roll" class="inline">
                            <input type="hidden" name="keyId" value={k.id} />
                            <GraceSelect short />
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
            </div>
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
          <form method="get" action="/portal/keys/roll" class="inline">
            <input name="keyId" required placeholder="key_…" class="mono" aria-label="Key id" />
            <GraceSelect />
            <button class="btn" type="submit">
              Roll key
            </button>
          </form>
        </div>
      )}
      <p class="muted">
        Rolling a key issues a new secret with the same settings. The old key keeps working for the grace period you choose (rounded up to the next full
        minute), so you can switch over without downtime.
      </p>
    </Page>,
  );
}
