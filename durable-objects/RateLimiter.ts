import { DurableObject } from "cloudflare:workers";
import type { Env } from "../workers/lib/env";
import { assertValidCheck, slidingWindow } from "../workers/lib/ratelimit/slidingWindow";

/**
 * Sliding-window counters of one "counter owner": a (workspace, namespace, identifier) of the
 * standalone API, one key's named limits, one identity's named limits, or one workspace's API
 * quota (workers/lib/ratelimit/limiter.ts names the objects). Inside, counters are keyed by
 * (bucket, duration, slice): the bucket is the limit name for key/identity limits and "" for the
 * standalone API, and a different duration is a different counter.
 *
 * Exactness: every method evaluates and writes with synchronous SQLite calls before its first
 * await, so concurrent calls are serialised and N requests against limit L pass exactly L.
 * State lives in the object's SQLite storage, so eviction or a restart loses nothing.
 *
 * Several objects at once (multiLimit, one verification's limits) use reserve → commit/release:
 * `reserve` takes the tokens provisionally (they count against later requests), `commit` makes
 * them final, `release` hands them back. A reservation never committed or released is released
 * by the alarm after its TTL, so a crashed coordinator cannot leak capacity for long.
 *
 * Time: callers pass `now` (one timestamp shared by all checks of a request; tests pass a
 * simulated clock). Garbage collection runs from alarms and never deletes a slice that is still
 * current or previous for the latest time this object has seen.
 */
export interface WindowCheck {
  /** counter within this object (limit name, or "" for the standalone API) */
  bucket: string;
  limit: number;
  duration: number;
  cost: number;
  /**
   * Upgrade from the per-identifier layout (docs/ratelimiting.md, "Upgrading"): the name of the
   * object that held this counter before. The first time this object sees `bucket`, it copies
   * that object's windows (its bucket "") into `bucket` before evaluating, once.
   */
  legacy?: string;
}

export interface WindowOutcome {
  passed: boolean;
  limit: number;
  /** tokens left; for a passing check of a batch that did not pass, what is left without charging it */
  remaining: number;
  reset: number;
}

export interface BatchOutcome {
  /** every check passed (and was recorded, or reserved) */
  passed: boolean;
  results: WindowOutcome[];
}

export interface LimitRequest {
  now: number;
  checks: WindowCheck[];
}

export interface ReserveRequest extends LimitRequest {
  reservationId: string;
  /** how long uncommitted tokens are held before the alarm hands them back (default 10 s) */
  ttlMs?: number;
}

const DEFAULT_RESERVATION_TTL = 10_000;
/** bound of the in-memory copy of slice counts (an object with very many buckets re-reads) */
const MAX_KNOWN_COUNTS = 50_000;

function countKey(bucket: string, duration: number, seq: number): string {
  return `${duration}\u0000${seq}\u0000${bucket}`;
}
const MAX_ALARM_DELAY = 31 * 24 * 3_600_000;

type Write = { bucket: string; duration: number; seq: number; cost: number };

export class RateLimiter extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** the scheduled alarm (Unix ms, real clock) or null; read once at start-up */
  private alarmAt: number | null = null;
  /**
   * Write-through copy of the slice counts read or written since the last delete, so a check
   * on a warm object costs one SQL statement (the write) instead of three. This object is the
   * only writer of its storage and every method runs synchronously, so the copy cannot go stale:
   * each write updates it, and any delete or refund drops it.
   */
  private readonly counts = new Map<string, number>();
  /** buckets already imported from their legacy object (the durable record is the `imported` table) */
  private readonly imported = new Set<string>();
  /** imports in flight, so concurrent first touches of a bucket share one */
  private readonly importing = new Map<string, Promise<void>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS windows (
        bucket TEXT NOT NULL,
        duration INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        touched INTEGER NOT NULL,
        PRIMARY KEY (bucket, duration, seq)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS reservations (
        id TEXT NOT NULL,
        bucket TEXT NOT NULL,
        duration INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        cost INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS reservations_id ON reservations (id);
      CREATE INDEX IF NOT EXISTS reservations_expiry ON reservations (expires_at);
      CREATE TABLE IF NOT EXISTS imported (bucket TEXT PRIMARY KEY) WITHOUT ROWID;
    `);
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Checks all-or-nothing and records them when every one passes. */
  async limit(req: LimitRequest): Promise<BatchOutcome> {
    await this.importLegacy(req.checks);
    const { outcome, writes } = this.evaluate(req);
    if (outcome.passed) {
      this.apply(writes, req.now);
      this.scheduleForWrites(writes, req.now);
    }
    return outcome;
  }

  /** Like `limit`, but passing tokens stay provisional until `commit` (or `release`/expiry). */
  async reserve(req: ReserveRequest): Promise<BatchOutcome> {
    await this.importLegacy(req.checks);
    const { outcome, writes } = this.evaluate(req);
    if (outcome.passed && writes.length > 0) {
      const expiresAt = Date.now() + (req.ttlMs ?? DEFAULT_RESERVATION_TTL);
      this.apply(writes, req.now);
      for (const w of writes) {
        this.sql.exec(
          "INSERT INTO reservations (id, bucket, duration, seq, cost, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
          req.reservationId,
          w.bucket,
          w.duration,
          w.seq,
          w.cost,
          expiresAt,
        );
      }
      this.scheduleForWrites(writes, req.now);
      this.schedule(expiresAt);
    }
    return outcome;
  }

  /** Makes a reservation final. False when it no longer exists (expired, released or unknown). */
  async commit(reservationId: string): Promise<boolean> {
    const n = this.sql.exec("DELETE FROM reservations WHERE id = ?", reservationId).rowsWritten;
    return n > 0;
  }

  /** Hands a reservation's tokens back. False when it no longer exists. */
  async release(reservationId: string): Promise<boolean> {
    const rows = this.sql
      .exec<{ bucket: string; duration: number; seq: number; cost: number }>("SELECT bucket, duration, seq, cost FROM reservations WHERE id = ?", reservationId)
      .toArray();
    this.refund(rows);
    this.sql.exec("DELETE FROM reservations WHERE id = ?", reservationId);
    return rows.length > 0;
  }

  /** Stored counts, for tests and diagnostics. */
  async inspect(): Promise<{ windows: { bucket: string; duration: number; seq: number; tokens: number }[]; reservations: number }> {
    const windows = this.sql
      .exec<{ bucket: string; duration: number; seq: number; tokens: number }>(
        "SELECT bucket, duration, seq, tokens FROM windows ORDER BY bucket, duration, seq",
      )
      .toArray();
    const reservations = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM reservations").one().n;
    return { windows, reservations };
  }

  /** Garbage collection: expired reservations are released, slices too old to matter deleted. */
  async alarm(): Promise<void> {
    this.alarmAt = null;
    const realNow = Date.now();
    const expired = this.sql
      .exec<{ bucket: string; duration: number; seq: number; cost: number }>(
        "SELECT bucket, duration, seq, cost FROM reservations WHERE expires_at <= ?",
        realNow,
      )
      .toArray();
    this.refund(expired);
    this.sql.exec("DELETE FROM reservations WHERE expires_at <= ?", realNow);

    // The object's own notion of "now": never ahead of the real clock nor of the latest request,
    // so a simulated clock in tests is never overtaken by real-time garbage collection.
    const latest = this.sql.exec<{ t: number | null }>("SELECT MAX(touched) AS t FROM windows").one().t;
    if (latest !== null) {
      const horizon = Math.min(realNow, latest);
      // a slice `seq` stops mattering once slice seq+2 has begun
      this.sql.exec("DELETE FROM windows WHERE (seq + 2) * duration <= ?", horizon);
      this.counts.clear();
      const next = this.sql.exec<{ t: number | null }>("SELECT MIN((seq + 2) * duration) AS t FROM windows").one().t;
      if (next !== null) this.schedule(realNow + Math.max(1000, next - horizon));
    }
    const nextExpiry = this.sql.exec<{ t: number | null }>("SELECT MIN(expires_at) AS t FROM reservations").one().t;
    if (nextExpiry !== null) this.schedule(Math.max(nextExpiry, realNow + 1));
  }

  // ───────────────────────────── upgrade from the per-identifier layout ─────────────────────────────

  /**
   * Copies, once per bucket, the windows of the object that held the counter before (checks with
   * `legacy`). This is the only await before evaluation; evaluation and the write still run
   * synchronously after it, so counting stays exact. A failed import is retried by the next call.
   */
  private async importLegacy(checks: WindowCheck[]): Promise<void> {
    let waits: Promise<void>[] | undefined;
    for (const c of checks) {
      if (!c.legacy || this.isImported(c.bucket)) continue;
      let p = this.importing.get(c.bucket);
      if (!p) {
        p = this.importFrom(c.bucket, c.legacy).finally(() => this.importing.delete(c.bucket));
        this.importing.set(c.bucket, p);
      }
      (waits ??= []).push(p);
    }
    if (waits) await Promise.all(waits);
  }

  private isImported(bucket: string): boolean {
    if (this.imported.has(bucket)) return true;
    const row = this.sql.exec("SELECT 1 FROM imported WHERE bucket = ?", bucket).toArray()[0];
    if (row) this.rememberImported(bucket);
    return !!row;
  }

  private rememberImported(bucket: string) {
    if (this.imported.size >= MAX_KNOWN_COUNTS) this.imported.clear();
    this.imported.add(bucket);
  }

  private async importFrom(bucket: string, legacyName: string): Promise<void> {
    const ns = this.env.RATE_LIMITER as DurableObjectNamespace<RateLimiter>;
    const old = await ns.get(ns.idFromName(legacyName)).inspect();
    // synchronous from here: nothing can interleave between the check and the copy
    if (this.isImported(bucket)) return;
    const writes: Write[] = [];
    for (const w of old.windows) {
      if (w.bucket !== "" || w.tokens <= 0) continue;
      this.sql.exec(
        `INSERT INTO windows (bucket, duration, seq, tokens, touched) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (bucket, duration, seq) DO UPDATE SET tokens = tokens + excluded.tokens`,
        bucket,
        w.duration,
        w.seq,
        w.tokens,
        w.seq * w.duration,
      );
      writes.push({ bucket, duration: w.duration, seq: w.seq, cost: w.tokens });
    }
    this.sql.exec("INSERT OR IGNORE INTO imported (bucket) VALUES (?)", bucket);
    this.rememberImported(bucket);
    if (writes.length > 0) {
      this.counts.clear();
      // garbage-collect the copied slices like any other (relative to the newest copied slice)
      const newest = Math.max(...writes.map((w) => (w.seq + 1) * w.duration - 1));
      this.scheduleForWrites(writes, Math.min(newest, Date.now()));
    }
  }

  // ───────────────────────────── internals (all synchronous) ─────────────────────────────

  private evaluate(req: LimitRequest): { outcome: BatchOutcome; writes: Write[] } {
    if (!Number.isFinite(req.now)) throw new RangeError("ratelimit now must be a number");
    const pending = new Map<string, number>();
    const writes: Write[] = [];
    const results: WindowOutcome[] = [];
    let passed = true;
    for (const check of req.checks) {
      assertValidCheck(check);
      const seq = Math.floor(req.now / check.duration);
      const k = countKey(check.bucket, check.duration, seq);
      const current = this.tokens(check.bucket, check.duration, seq) + (pending.get(k) ?? 0);
      const previous = this.tokens(check.bucket, check.duration, seq - 1);
      const d = slidingWindow({ now: req.now, duration: check.duration, limit: check.limit, cost: check.cost, current, previous });
      // checks of one batch on the same counter add up, so a batch can never overspend it
      if (d.passed && check.cost > 0) {
        pending.set(k, (pending.get(k) ?? 0) + check.cost);
        writes.push({ bucket: check.bucket, duration: check.duration, seq, cost: check.cost });
      }
      if (!d.passed) passed = false;
      results.push({ passed: d.passed, limit: check.limit, remaining: d.remaining, reset: d.reset });
    }
    if (!passed) {
      // nothing is recorded: passing checks report what is left without their own cost
      req.checks.forEach((check, i) => {
        const r = results[i]!;
        if (r.passed) r.remaining = Math.min(check.limit, r.remaining + check.cost);
      });
    }
    return { outcome: { passed, results }, writes };
  }

  private tokens(bucket: string, duration: number, seq: number): number {
    const k = countKey(bucket, duration, seq);
    const known = this.counts.get(k);
    if (known !== undefined) return known;
    const row = this.sql
      .exec<{ tokens: number }>("SELECT tokens FROM windows WHERE bucket = ? AND duration = ? AND seq = ?", bucket, duration, seq)
      .toArray()[0];
    const n = row ? row.tokens : 0;
    if (this.counts.size >= MAX_KNOWN_COUNTS) this.counts.clear();
    this.counts.set(k, n);
    return n;
  }

  private apply(writes: Write[], now: number) {
    for (const w of writes) {
      const inserted = this.sql
        .exec(
          `INSERT INTO windows (bucket, duration, seq, tokens, touched) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (bucket, duration, seq) DO UPDATE SET tokens = tokens + excluded.tokens, touched = MAX(touched, excluded.touched)
         RETURNING tokens`,
          w.bucket,
          w.duration,
          w.seq,
          w.cost,
          now,
        )
        .one() as { tokens: number };
      // first tokens of a new slice: anything older than the previous slice is dead weight
      if (inserted.tokens === w.cost) {
        this.sql.exec("DELETE FROM windows WHERE bucket = ? AND duration = ? AND seq < ?", w.bucket, w.duration, w.seq - 1);
        this.counts.clear();
      }
      this.counts.set(countKey(w.bucket, w.duration, w.seq), inserted.tokens);
    }
  }

  private refund(rows: { bucket: string; duration: number; seq: number; cost: number }[]) {
    for (const r of rows) {
      this.counts.delete(countKey(r.bucket, r.duration, r.seq));
      this.sql.exec("UPDATE windows SET tokens = MAX(0, tokens - ?) WHERE bucket = ? AND duration = ? AND seq = ?", r.cost, r.bucket, r.duration, r.seq);
    }
  }

  /** Alarm for the moment the written slices become garbage, translated to the real clock. */
  private scheduleForWrites(writes: Write[], now: number) {
    if (writes.length === 0) return;
    let soonest = Infinity;
    for (const w of writes) soonest = Math.min(soonest, (w.seq + 2) * w.duration - now);
    this.schedule(Date.now() + Math.max(1000, soonest));
  }

  /** Keeps the earliest requested alarm. Decided synchronously, so concurrent calls cannot reorder it. */
  private schedule(at: number) {
    // windows of overrides may be very long; alarms far beyond a month only need re-arming
    at = Math.min(at, Date.now() + MAX_ALARM_DELAY);
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }
}
