/** @jsxImportSource hono/jsx */
import { db } from "../../lib/db";
import { hasScope } from "../../lib/portal/sessions";
import { verificationSeries } from "../../lib/portal/verifications";
import { SERIES, UsageChart, seriesValue } from "../chart";
import { Page } from "../layout";
import { DAY, noAccess, pageSession, type Ctx } from "../session";

/** `/portal/usage?days=7|30|90`: verifications of the user's keys per day, by outcome. */
export async function usagePage(c: Ctx) {
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
  const totals = SERIES.map((x) => ({ ...x, count: points.reduce((sum, p) => sum + seriesValue(p, x.field), 0) }));
  const total = points.reduce((sum, p) => sum + p.total, 0);
  return c.html(
    <Page title="Usage" branding={session.portal} session={session} tab="usage" csrf={s.csrf}>
      <h1>Usage</h1>
      <div class="card">
        <div class="toolbar">
          <p>Verifications of your keys per day over the last {days} days (UTC), by outcome.</p>
          <nav class="segmented" aria-label="Time range" data-testid="range">
            {options.map((d) => (
              <a href={`/portal/usage?days=${d}`} aria-current={d === days ? "page" : undefined}>
                {d} days
              </a>
            ))}
          </nav>
        </div>
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
}
