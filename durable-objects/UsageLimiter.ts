import { DurableObject } from "cloudflare:workers";
import type { Env } from "../workers/lib/env";
import { emitKeyEvent } from "../workers/lib/webhooks/keyEvents";
import { creditsTransitions, type CreditsEndpoint } from "../workers/lib/webhooks/credits";
// the refill calendar is a pure rule of lib/keys; this object only keeps the balance
import { applyDueRefill, type CreditsRefill } from "../workers/lib/keys/refill";
export type { CreditsRefill };

/**
 * The credits of one key (`idFromName(keyId)`): the authority for `remaining`.
 *
 * - Loads the key's credit columns from D1 on first use, and again whenever a caller shows it a
 *   newer `keys.credits_version` (every API write of credits bumps it) or calls `reload`.
 * - Keeps its state in its own SQLite storage, written synchronously with every change, so an
 *   eviction or restart loses nothing. Requests are handled one at a time between awaits, and
 *   a spend has no await in it: N concurrent spends against C credits succeed exactly min(N, C)
 *   times.
 * - Applies refills lazily, on the first access after a refill became due (§6.4 semantics:
 *   daily at 00:00 UTC, monthly on `refillDay` or the last day of shorter months; sets
 *   `remaining = amount` only when below it).
 * - Writes the balance back to D1 (for getKey/listKeys) from an alarm, batched, never on the
 *   verification path. The write is guarded by credits_version so it can't undo an API write.
 * - Remembers idempotent verification answers for IDEMPOTENCY_WINDOW_MS.
 */
export const IDEMPOTENCY_WINDOW_MS = 15 * 60 * 1000;
/** How long after a change the balance is written back to D1 (changes in between are batched). */
export const WRITE_BACK_DELAY_MS = 1000;

export interface CreditsState {
  found: boolean;
  remaining: number | null;
  refill: CreditsRefill | null;
  lastRefillAt: number | null;
  createdAt: number;
  version: number;
}

export type Answer = Record<string, unknown>;

export interface SpendRequest {
  keyId: string;
  cost: number;
  /** credits_version the caller saw; a newer one makes the object reload from D1 */
  version?: number;
  /** store the final answer under this idempotency key (atomically with the spend) */
  idempotency?: { key: string; fingerprint: string; answer: Answer };
}

export type SpendResult =
  | { status: "spent" | "exceeded"; remaining: number | null; answer?: Answer }
  | { status: "not_found" }
  | { status: "replay"; answer: Answer }
  | { status: "conflict" };

export type BeginResult = { status: "new" } | { status: "replay"; answer: Answer } | { status: "conflict" };

export interface UpdateRequest {
  keyId: string;
  operation: "set" | "increment" | "decrement";
  /** undefined only for `set`: unlimited, refill kept (Unkey's quirk) */
  value: number | null | undefined;
  /** extra statements (audit rows) written in the same D1 batch as the change */
  statements?: { sql: string; params: unknown[] }[];
}

export type UpdateResult = { ok: true; remaining: number | null; refill: CreditsRefill | null } | { ok: false; reason: "not_found" | "unlimited" };

type KeyRow = {
  remaining: number | null;
  refill_interval: "daily" | "monthly" | null;
  refill_amount: number | null;
  refill_day: number | null;
  last_refill_at: number | null;
  created_at: number;
  credits_version: number;
  deleted_at: number | null;
};

function stateFromRow(row: KeyRow | null): CreditsState {
  if (!row || row.deleted_at !== null) {
    return { found: false, remaining: null, refill: null, lastRefillAt: null, createdAt: 0, version: row?.credits_version ?? 0 };
  }
  return {
    found: true,
    remaining: row.remaining,
    refill:
      row.refill_interval && row.refill_amount !== null
        ? { interval: row.refill_interval, amount: row.refill_amount, refillDay: row.refill_interval === "monthly" ? row.refill_day : null }
        : null,
    lastRefillAt: row.last_refill_at,
    createdAt: row.created_at,
    version: row.credits_version,
  };
}

const MAX = Number.MAX_SAFE_INTEGER;

export class UsageLimiter extends DurableObject<Env> {
  private sql: SqlStorage;
  private keyId: string | null = null;
  private state: CreditsState | null = null;
  /** changes not yet written back to D1 */
  private dirty = false;
  /** bumped on every change, so a write-back racing with a spend knows to run again */
  private seq = 0;
  /** the alarm this object has set (Unix ms, real clock), null for none; read once, then tracked */
  private alarmAt: number | null | undefined;
  private loading: Promise<void> | null = null;
  /** idempotency keys being worked on: who waits for them, and the timer that gives up on them */
  private inflight = new Map<string, { waiters: Array<() => void>; timer: ReturnType<typeof setTimeout> }>();
  private clock: () => number = () => Date.now();
  /** credit webhooks (lib/webhooks/credits.ts): the key's workspace, its subscribed endpoints (cached), one evaluation at a time */
  private workspaceId: string | null = null;
  private endpoints: { at: number; list: CreditsEndpoint[] } | null = null;
  private evaluating: Promise<void> | null = null;
  private evaluateAgain = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS credits (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      key_id TEXT NOT NULL,
      state TEXT NOT NULL,
      dirty INTEGER NOT NULL DEFAULT 0
    )`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS idempotency (
      key TEXT PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      answer TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    )`);
    // which credit webhooks were sent and not yet re-armed (by a refill or a top-up), per endpoint
    this.sql.exec(`CREATE TABLE IF NOT EXISTS webhook_flags (
      endpoint_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      PRIMARY KEY (endpoint_id, kind)
    )`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS credits_base (id INTEGER PRIMARY KEY CHECK (id = 1), base INTEGER)`);
    const row = this.sql.exec<{ key_id: string; state: string; dirty: number }>("SELECT key_id, state, dirty FROM credits WHERE id = 1").toArray()[0];
    if (row) {
      this.keyId = row.key_id;
      this.state = JSON.parse(row.state) as CreditsState;
      this.dirty = !!row.dirty;
    }
  }

  /** Tests replace the clock to move through refill dates. */
  setClockForTests(now: () => number) {
    this.clock = now;
  }

  private now() {
    return this.clock();
  }

  // ---- state -------------------------------------------------------------------------------

  private persist(dirty: boolean) {
    this.dirty = dirty;
    this.seq++;
    this.sql.exec(
      "INSERT INTO credits (id, key_id, state, dirty) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET key_id = excluded.key_id, state = excluded.state, dirty = excluded.dirty",
      this.keyId,
      JSON.stringify(this.state),
      dirty ? 1 : 0,
    );
    // alarms run on real time, whatever clock the tests set
    if (dirty) this.scheduleAlarm(Date.now() + WRITE_BACK_DELAY_MS).catch(() => {});
  }

  /** Keeps the earliest requested alarm; the storage is asked only once per object start. */
  private async scheduleAlarm(at: number) {
    if (this.alarmAt === undefined) {
      const current = await this.ctx.storage.getAlarm();
      if (this.alarmAt === undefined) this.alarmAt = current;
    }
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  private async readRow(keyId: string): Promise<KeyRow | null> {
    return this.env.DB.prepare(
      "SELECT remaining, refill_interval, refill_amount, refill_day, last_refill_at, created_at, credits_version, deleted_at FROM keys WHERE id = ?",
    )
      .bind(keyId)
      .first<KeyRow>();
  }

  /**
   * Adopts D1's state. Unflushed local changes survive only while D1 still has the version
   * they were made on (an API write bumps the version and wins).
   */
  private adopt(keyId: string, row: KeyRow | null) {
    const fresh = stateFromRow(row);
    const local = this.state;
    if (local && this.keyId === keyId && this.dirty && local.found && fresh.found && local.version === fresh.version) {
      fresh.remaining = local.remaining;
      fresh.lastRefillAt = local.lastRefillAt;
      this.keyId = keyId;
      this.state = fresh;
      this.persist(true);
      return;
    }
    if (this.keyId !== keyId) this.workspaceId = null;
    this.keyId = keyId;
    this.state = fresh;
    this.rememberBase(fresh.remaining);
    this.persist(false);
  }

  /** Loads from D1 unless loaded and at least as new as `version`; blocks other requests meanwhile. */
  private async ensureLoaded(keyId: string, version?: number): Promise<CreditsState> {
    for (;;) {
      const s = this.state;
      if (s && this.keyId === keyId && (version === undefined || version <= s.version)) return s;
      if (!this.loading) {
        this.loading = this.ctx.blockConcurrencyWhile(async () => this.adopt(keyId, await this.readRow(keyId))).finally(() => (this.loading = null));
      }
      await this.loading;
      const after = this.state;
      // a version newer than D1 has can only come from a stale reader: stop waiting for it
      if (after && this.keyId === keyId) return after;
    }
  }

  private refillIfDue(s: CreditsState): void {
    if (applyDueRefill(s, this.now())) {
      this.persist(true);
      // a refill re-arms key.credits_low / key.credits_exhausted, decided by the next evaluation
      this.sql.exec("DELETE FROM webhook_flags");
      this.evaluateCredits();
      const keyId = this.keyId;
      if (keyId) this.ctx.waitUntil(emitKeyEvent(this.env, "key.refilled", keyId, { remaining: s.remaining, refillAmount: s.refill?.amount ?? null }));
    }
  }

  // ---- credit webhooks ---------------------------------------------------------------------

  /** The balance percentages refer to: the refill amount, else the credits the key was given. */
  private creditsBase(s: CreditsState): number | null {
    if (s.refill) return s.refill.amount;
    const row = this.sql.exec<{ base: number | null }>("SELECT base FROM credits_base WHERE id = 1").toArray()[0];
    return row?.base ?? null;
  }

  private rememberBase(remaining: number | null) {
    if (remaining === null) return;
    const cur = this.sql.exec<{ base: number | null }>("SELECT base FROM credits_base WHERE id = 1").toArray()[0]?.base ?? null;
    if (cur === null || remaining > cur)
      this.sql.exec("INSERT INTO credits_base (id, base) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET base = excluded.base", remaining);
  }

  /**
   * Checks the balance against the subscribed endpoints' thresholds, after the response (never
   * awaited by a spend). The decision and the flag that stops a second send happen in one
   * synchronous step on this single-threaded object, so 1,000 concurrent spends crossing a
   * threshold send exactly one key.credits_low; a refill or top-up above it re-arms it.
   */
  private evaluateCredits(): void {
    if (this.evaluating) {
      this.evaluateAgain = true;
      return;
    }
    const run = async () => {
      do {
        this.evaluateAgain = false;
        await this.evaluateOnce();
      } while (this.evaluateAgain);
    };
    this.evaluating = run()
      .catch((e) => console.error("UsageLimiter: credit webhooks:", e))
      .finally(() => (this.evaluating = null));
    this.ctx.waitUntil(this.evaluating);
  }

  private async evaluateOnce(): Promise<void> {
    const keyId = this.keyId;
    if (!keyId) return;
    if (!this.workspaceId) {
      const row = await this.env.DB.prepare("SELECT workspace_id FROM keys WHERE id = ?").bind(keyId).first<{ workspace_id: string }>();
      if (!row) return;
      this.workspaceId = row.workspace_id;
    }
    if (!this.endpoints || Date.now() - this.endpoints.at > 30_000) {
      const { results } = await this.env.DB.prepare(
        `SELECT id, events, credits_low_threshold FROM webhook_endpoints WHERE workspace_id = ? AND enabled = 1
           AND (events LIKE '%"key.credits_low"%' OR events LIKE '%"key.credits_exhausted"%')`,
      )
        .bind(this.workspaceId)
        .all<{ id: string; events: string; credits_low_threshold: string | null }>();
      this.endpoints = {
        at: Date.now(),
        list: results.map((r) => ({
          id: r.id,
          events: JSON.parse(r.events) as string[],
          threshold: r.credits_low_threshold ? JSON.parse(r.credits_low_threshold) : null,
        })),
      };
    }
    // from here on no await until the flags are written
    const s = this.state;
    if (!s || !s.found || this.keyId !== keyId) return;
    const flags = new Set(
      this.sql
        .exec<{ endpoint_id: string; kind: string }>("SELECT endpoint_id, kind FROM webhook_flags")
        .toArray()
        .map((r) => `${r.endpoint_id}|${r.kind}`),
    );
    const { send, arm, disarm } = creditsTransitions(this.endpoints.list, s.remaining, this.creditsBase(s), flags);
    for (const f of disarm) this.sql.exec("INSERT INTO webhook_flags (endpoint_id, kind) VALUES (?, ?) ON CONFLICT DO NOTHING", f.endpointId, f.kind);
    for (const f of arm) this.sql.exec("DELETE FROM webhook_flags WHERE endpoint_id = ? AND kind = ?", f.endpointId, f.kind);
    for (const e of send) this.ctx.waitUntil(emitKeyEvent(this.env, e.type, keyId, e.data, { endpointIds: [e.endpointId] }));
  }

  // ---- idempotency ---------------------------------------------------------------------------

  private storedAnswer(key: string, fingerprint: string): { status: "replay"; answer: Answer } | { status: "conflict" } | null {
    const row = this.sql
      .exec<{ fingerprint: string; answer: string; expires_at: number }>("SELECT fingerprint, answer, expires_at FROM idempotency WHERE key = ?", key)
      .toArray()[0];
    if (!row) return null;
    if (row.expires_at <= this.now()) {
      this.sql.exec("DELETE FROM idempotency WHERE key = ?", key);
      return null;
    }
    if (row.fingerprint !== fingerprint) return { status: "conflict" };
    return { status: "replay", answer: JSON.parse(row.answer) as Answer };
  }

  private storeAnswer(key: string, fingerprint: string, answer: Answer) {
    const expires = this.now() + IDEMPOTENCY_WINDOW_MS;
    this.sql.exec(
      "INSERT INTO idempotency (key, fingerprint, answer, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
      key,
      fingerprint,
      JSON.stringify(answer),
      expires,
    );
    this.release(key);
    this.scheduleAlarm(Date.now() + IDEMPOTENCY_WINDOW_MS).catch(() => {});
  }

  private release(key: string) {
    const entry = this.inflight.get(key);
    if (!entry) return;
    this.inflight.delete(key);
    clearTimeout(entry.timer);
    for (const w of entry.waiters) w();
  }

  /**
   * Starts an idempotent verification: a stored answer is replayed; while another request with
   * the same key is still running, waits for its answer (up to 10 s) rather than running twice.
   */
  async begin(idempotencyKey: string, fingerprint: string): Promise<BeginResult> {
    for (let attempt = 0; ; attempt++) {
      const stored = this.storedAnswer(idempotencyKey, fingerprint);
      if (stored) return stored;
      const entry = this.inflight.get(idempotencyKey);
      if (!entry || attempt > 0) break;
      // the first request still runs: wait for its answer (its claim expires after 10 s)
      await new Promise<void>((resolve) => entry.waiters.push(resolve));
    }
    if (!this.inflight.has(idempotencyKey)) {
      // a caller that never completes must not hold up retries for long
      const timer = setTimeout(() => this.release(idempotencyKey), 10_000);
      this.inflight.set(idempotencyKey, { waiters: [], timer });
    }
    return { status: "new" };
  }

  /** Gives up an idempotency key claimed by `begin` (the request failed with an HTTP error). */
  async abandon(idempotencyKey: string): Promise<void> {
    this.release(idempotencyKey);
  }

  /** Stores the final answer of an idempotent verification that spent no credits here. */
  async complete(idempotencyKey: string, fingerprint: string, answer: Answer): Promise<void> {
    this.storeAnswer(idempotencyKey, fingerprint, answer);
  }

  // ---- credits -------------------------------------------------------------------------------

  /** Spends `cost` credits if there are enough; cost 0 always passes. */
  async spend(req: SpendRequest): Promise<SpendResult> {
    const s = await this.ensureLoaded(req.keyId, req.version);
    // from here on no await: the check and the deduction are one step
    if (req.idempotency) {
      const stored = this.storedAnswer(req.idempotency.key, req.idempotency.fingerprint);
      if (stored) return stored;
    }
    if (!s.found) return { status: "not_found" };
    this.refillIfDue(s);
    let status: "spent" | "exceeded" = "spent";
    if (s.remaining !== null && req.cost > 0) {
      if (s.remaining < req.cost) status = "exceeded";
      else {
        s.remaining -= req.cost;
        this.persist(true);
        this.evaluateCredits();
      }
    }
    const result: SpendResult = { status, remaining: s.remaining };
    if (req.idempotency) {
      const answer: Answer = { ...req.idempotency.answer, valid: status === "spent", code: status === "spent" ? "VALID" : "USAGE_EXCEEDED" };
      if (s.remaining !== null) answer.credits = s.remaining;
      else delete answer.credits;
      this.storeAnswer(req.idempotency.key, req.idempotency.fingerprint, answer);
      result.answer = answer;
    }
    return result;
  }

  /** The live balance (refills applied), without spending. */
  async read(keyId: string): Promise<{ found: boolean; remaining: number | null; refill: CreditsRefill | null }> {
    const s = await this.ensureLoaded(keyId);
    if (s.found) this.refillIfDue(s);
    return { found: s.found, remaining: s.remaining, refill: s.refill };
  }

  /** Re-reads D1 after an API write of the key's credits (keys.updateKey). */
  async reload(keyId: string): Promise<void> {
    await this.ctx.blockConcurrencyWhile(async () => this.adopt(keyId, await this.readRow(keyId)));
  }

  /** keys.updateCredits: set / increment / decrement, written to D1 (with `statements`) at once. */
  async update(req: UpdateRequest): Promise<UpdateResult> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const row = await this.readRow(req.keyId);
      const fromD1 = stateFromRow(row);
      if (!fromD1.found) {
        this.keyId = req.keyId;
        this.state = fromD1;
        this.persist(false);
        return { ok: false, reason: "not_found" } as const;
      }
      // keep local (unflushed) spends unless an API write superseded them
      const local = this.state;
      const s: CreditsState = local && this.keyId === req.keyId && local.found && local.version === fromD1.version ? { ...local } : fromD1;
      const now = this.now();
      applyDueRefill(s, now);
      const value = req.value;
      if (req.operation === "set") {
        if (value === null) {
          s.remaining = null;
          s.refill = null;
        } else if (value === undefined) {
          s.remaining = null;
        } else s.remaining = value;
      } else {
        if (s.remaining === null) return { ok: false, reason: "unlimited" } as const;
        const n = value ?? 0;
        s.remaining = req.operation === "increment" ? Math.min(MAX, s.remaining + n) : Math.max(0, s.remaining - n);
      }
      const update = this.env.DB.prepare(
        `UPDATE keys SET remaining = ?, refill_interval = ?, refill_amount = ?, refill_day = ?, last_refill_at = ?,
           credits_version = credits_version + 1, updated_at = ? WHERE id = ? RETURNING credits_version`,
      ).bind(s.remaining, s.refill?.interval ?? null, s.refill?.amount ?? null, s.refill?.refillDay ?? null, s.lastRefillAt, now, req.keyId);
      const extra = (req.statements ?? []).map((st) => this.env.DB.prepare(st.sql).bind(...st.params));
      const [res] = await this.env.DB.batch([update, ...extra]);
      const version = (res?.results?.[0] as { credits_version?: number } | undefined)?.credits_version;
      s.version = version ?? s.version + 1;
      this.keyId = req.keyId;
      this.state = s;
      if (req.operation === "set") this.sql.exec("DELETE FROM credits_base");
      // a top-up re-arms the credit events (a decrement keeps them)
      if (req.operation !== "decrement") this.sql.exec("DELETE FROM webhook_flags");
      this.rememberBase(s.remaining);
      this.persist(false);
      this.endpoints = null;
      this.evaluateCredits();
      return { ok: true, remaining: s.remaining, refill: s.refill } as const;
    });
  }

  // ---- write-back and housekeeping ---------------------------------------------------------

  private async writeBack(): Promise<void> {
    const s = this.state;
    if (!this.dirty || !s || !this.keyId || !s.found) return;
    const seq = this.seq;
    await this.env.DB.prepare("UPDATE keys SET remaining = ?, last_refill_at = ? WHERE id = ? AND credits_version = ?")
      .bind(s.remaining, s.lastRefillAt, this.keyId, s.version)
      .run();
    if (this.seq === seq) {
      this.dirty = false;
      this.sql.exec("UPDATE credits SET dirty = 0 WHERE id = 1");
    }
  }

  async alarm(): Promise<void> {
    this.alarmAt = null; // the runtime cleared the one that fired
    await this.writeBack();
    // a credit webhook whose first evaluation was cut short (eviction) is decided here
    if (this.state?.found && this.state.remaining !== null) this.evaluateCredits();
    this.sql.exec("DELETE FROM idempotency WHERE expires_at <= ?", this.now());
    const left = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM idempotency").toArray()[0]?.n ?? 0;
    if (this.dirty) await this.scheduleAlarm(Date.now() + WRITE_BACK_DELAY_MS);
    else if (left > 0) await this.scheduleAlarm(Date.now() + IDEMPOTENCY_WINDOW_MS);
  }

  /** For tests and operators: write any pending balance back to D1 now. */
  async flush(): Promise<void> {
    await this.writeBack();
  }
}
