/** @jsxImportSource hono/jsx */
import { db } from "../../lib/db";
import { ApiError } from "../../lib/errors";
import { hasScope, type PortalSession } from "../../lib/portal/sessions";
import { findOwnedKey, rerollOwnedKey } from "../../lib/portal/keys";
import { Page } from "../layout";
import { checkForm, DAY, fmtTime, noAccess, pageSession, type Ctx, type PageSession } from "../session";

/**
 * Rolling a key takes two steps, without any script: `GET /portal/keys/roll?keyId&expiration`
 * shows which key (by name and start) and what happens to the old one, and its form posts
 * `POST /portal/keys/roll`, which rolls and shows the new secret once.
 */
const GRACE_OPTIONS: { ms: number; label: string; short: string }[] = [
  { ms: 0, label: "Stop the old key now", short: "stop now" },
  { ms: 60_000, label: "Keep the old key 1 minute", short: "1 minute" },
  { ms: 3_600_000, label: "Keep the old key 1 hour", short: "1 hour" },
  { ms: DAY, label: "Keep the old key 24 hours", short: "24 hours" },
  { ms: 7 * DAY, label: "Keep the old key 7 days", short: "7 days" },
];

/** The grace period choice; `short` labels fit a table cell whose header explains them. */
export function GraceSelect(props: { short?: boolean }) {
  return (
    <select name="expiration" aria-label="Grace period for the old key">
      {GRACE_OPTIONS.map((g) => (
        <option value={String(g.ms)} selected={g.ms === DAY}>
          {props.short ? g.short : g.label}
        </option>
      ))}
    </select>
  );
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

/** How a key is named to its owner: its name (if any) and the start of its secret, never its id. */
function KeyName(props: { name: string | null; start: string }) {
  return (
    <span data-testid="key-name">
      {props.name ? <strong>{props.name}</strong> : <span>your unnamed key</span>} (<span class="mono">{props.start}…</span>)
    </span>
  );
}

function parseRoll(keyIdRaw: string | undefined, expirationRaw: string | undefined): { keyId: string; expiration: number } | null {
  const keyId = (keyIdRaw ?? "").trim();
  const expiration = Number(expirationRaw);
  if (!/^[a-zA-Z0-9_]{3,255}$/.test(keyId) || !Number.isInteger(expiration) || expiration < 0 || expiration > 4_102_444_800_000) return null;
  return { keyId, expiration };
}

function invalid(c: Ctx, s: PageSession) {
  return c.html(
    <Page title="Roll a key" branding={s.session.portal} session={s.session} tab="keys" csrf={s.csrf}>
      <div class="notice warn" data-testid="message">
        That request was not valid. <a href="/portal/keys">Back to your keys</a>
      </div>
    </Page>,
    400,
  );
}

function notFound(c: Ctx, s: PageSession, status: 404 | 412) {
  return c.html(
    <Page title="Key not found" branding={s.session.portal} session={s.session} tab="keys" csrf={s.csrf}>
      <div class="notice warn" data-testid="message">
        {status === 404 ? "That key was not found among your keys." : "This key cannot be rolled here."} <a href="/portal/keys">Back to your keys</a>
      </div>
    </Page>,
    status,
  );
}

/** ApiErrors of the key lookup/roll that are the user's business (404, 412), else rethrown. */
function userError(err: unknown): 404 | 412 {
  if (err instanceof ApiError && (err.status === 404 || err.status === 412)) return err.status;
  throw err;
}

/** `GET /portal/keys/roll`: the confirmation step. */
export async function confirmRollPage(c: Ctx) {
  const s = await pageSession(c);
  if (s instanceof Response) return s;
  const session: PortalSession = s.session;
  if (!hasScope(session, "keys:reroll")) return noAccess(c, s, "keys");
  const roll = parseRoll(c.req.query("keyId"), c.req.query("expiration"));
  if (!roll) return invalid(c, s);
  let key: Awaited<ReturnType<typeof findOwnedKey>>["key"];
  try {
    key = (await findOwnedKey(db(c.env.DB), session, roll.keyId)).key;
  } catch (err) {
    return notFound(c, s, userError(err));
  }
  return c.html(
    <Page title="Roll key?" branding={session.portal} session={session} tab="keys" csrf={s.csrf}>
      <h1>Roll this key?</h1>
      <div class="card" data-testid="confirm-roll">
        <p>
          You are about to roll <KeyName name={key.name} start={key.start} />. A new key with the same settings replaces it; its secret is shown once.
        </p>
        <p>
          {roll.expiration === 0 ? (
            <strong>The old key stops working immediately.</strong>
          ) : (
            <span>
              The old key keeps working for <strong>{graceText(roll.expiration)}</strong> (rounded up to the next full minute).
            </span>
          )}
        </p>
        <form method="post" action="/portal/keys/roll" class="inline">
          <input type="hidden" name="csrf" value={s.csrf} />
          <input type="hidden" name="keyId" value={roll.keyId} />
          <input type="hidden" name="expiration" value={String(roll.expiration)} />
          <button class="btn" type="submit">
            Yes, roll this key
          </button>
          <a class="btn secondary" href="/portal/keys">
            Cancel
          </a>
        </form>
      </div>
    </Page>,
  );
}

/** `POST /portal/keys/roll`: rolls and shows the new secret once. */
export async function rollKey(c: Ctx) {
  const s = await pageSession(c);
  if (s instanceof Response) return s;
  const form = await checkForm(c, s);
  if (form instanceof Response) return form;
  const { session } = s;
  if (!hasScope(session, "keys:reroll")) return noAccess(c, s, "keys");
  const roll = parseRoll(form.keyId, form.expiration);
  if (!roll) return invalid(c, s);
  const { expiration } = roll;
  let rolled: Awaited<ReturnType<typeof rerollOwnedKey>>;
  try {
    rolled = await rerollOwnedKey(c.var.scope, session, roll.keyId, expiration);
  } catch (err) {
    return notFound(c, s, userError(err));
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
            The old key <KeyName name={rolled.name} start={rolled.start} /> stopped working immediately.
          </span>
        ) : (
          <span>
            The old key <KeyName name={rolled.name} start={rolled.start} /> keeps working for a grace period of {graceText(expiration)} (rounded up to the next
            full minute), until{" "}
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
}
