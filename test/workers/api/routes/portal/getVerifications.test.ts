import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { errorType } from "../../../../helpers/harness";
import { portalCall, portalWorld, signIn } from "./fixtures";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One aggregate row as the analytics consumer writes it. */
async function aggregate(table: string, row: { time: number; ws: string; ks: string; externalId: string; keyId: string; outcome: string; count: number }) {
  await env.ANALYTICS_DB.prepare(
    `INSERT INTO ${table} (time, workspace_id, key_space_id, identity_id, external_id, key_id, outcome, source, app_id, tags, count, spent_credits)
     VALUES (?, ?, ?, '', ?, ?, ?, 'api', '', '[]', ?, 0)`,
  )
    .bind(row.time, row.ws, row.ks, row.externalId, row.keyId, row.outcome, row.count)
    .run();
}

describe("portal.getVerifications", () => {
  it("returns the user's verifications per day by outcome, zero-filled and oldest first", async () => {
    const w = await portalWorld();
    const day0 = Math.floor(Date.now() / DAY) * DAY - 6 * DAY;
    const base = { ws: w.ws.workspaceId, ks: w.keyspaceId, externalId: "user_alice", keyId: w.alice.keyId };
    await aggregate("key_verifications_per_day_v1", { ...base, time: day0 + DAY, outcome: "VALID", count: 5 });
    await aggregate("key_verifications_per_day_v1", { ...base, time: day0 + DAY, outcome: "RATE_LIMITED", count: 2 });
    await aggregate("key_verifications_per_day_v1", { ...base, time: day0 + 3 * DAY, outcome: "EXPIRED", count: 1 });
    await aggregate("key_verifications_per_day_v1", { ...base, time: day0 + 3 * DAY, outcome: "NOT_FOUND", count: 4 });
    // another user's and another keyspace's rows never count
    await aggregate("key_verifications_per_day_v1", { ...base, externalId: "user_bob", keyId: w.bob.keyId, time: day0 + DAY, outcome: "VALID", count: 50 });
    await aggregate("key_verifications_per_day_v1", { ...base, ks: "ks_other", time: day0 + DAY, outcome: "VALID", count: 70 });

    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const res = await portalCall("portal.getVerifications", { startTime: day0, endTime: day0 + 7 * DAY }, token);
    expect(res.status).toBe(200);
    const points = res.body.data;
    expect(points.map((p: { time: number }) => p.time)).toEqual(Array.from({ length: 7 }, (_, i) => day0 + i * DAY));
    const zero = { total: 0, valid: 0, rateLimited: 0, insufficientPermissions: 0, forbidden: 0, disabled: 0, expired: 0, usageExceeded: 0 };
    expect(points[0]).toEqual({ time: day0, ...zero });
    expect(points[1]).toEqual({ time: day0 + DAY, ...zero, total: 7, valid: 5, rateLimited: 2 });
    expect(points[3]).toEqual({ time: day0 + 3 * DAY, ...zero, total: 5, expired: 1 });
  });

  it("picks minute buckets up to 3 hours and hour buckets up to 4 days", async () => {
    const w = await portalWorld();
    const hour0 = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    const base = { ws: w.ws.workspaceId, ks: w.keyspaceId, externalId: "user_alice", keyId: w.alice.keyId, outcome: "VALID" };
    await aggregate("key_verifications_per_minute_v1", { ...base, time: hour0 + 60_000, count: 3 });
    await aggregate("key_verifications_per_hour_v1", { ...base, time: hour0, count: 9 });
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const minutes = await portalCall("portal.getVerifications", { startTime: hour0, endTime: hour0 + 3 * HOUR }, token);
    expect(minutes.body.data).toHaveLength(180);
    expect(minutes.body.data[1]).toMatchObject({ time: hour0 + 60_000, valid: 3, total: 3 });
    const hours = await portalCall("portal.getVerifications", { startTime: hour0, endTime: hour0 + 4 * DAY }, token);
    expect(hours.body.data).toHaveLength(96);
    expect(hours.body.data[0]).toMatchObject({ time: hour0, valid: 9 });
  });

  it("narrows to one key, and a key of another user yields only zeros", async () => {
    const w = await portalWorld();
    const day0 = Math.floor(Date.now() / DAY) * DAY - 6 * DAY;
    const base = { ws: w.ws.workspaceId, ks: w.keyspaceId, externalId: "user_alice", keyId: w.alice.keyId, outcome: "VALID", time: day0 };
    await aggregate("key_verifications_per_day_v1", { ...base, count: 4 });
    await aggregate("key_verifications_per_day_v1", { ...base, keyId: "key_aliceother", count: 6 });
    await aggregate("key_verifications_per_day_v1", { ...base, externalId: "user_bob", keyId: w.bob.keyId, count: 8 });
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const mine = await portalCall("portal.getVerifications", { startTime: day0, endTime: day0 + 7 * DAY, keyId: w.alice.keyId }, token);
    expect(mine.body.data[0].total).toBe(4);
    const foreign = await portalCall("portal.getVerifications", { startTime: day0, endTime: day0 + 7 * DAY, keyId: w.bob.keyId }, token);
    expect(foreign.status).toBe(200);
    expect(foreign.body.data.every((p: { total: number }) => p.total === 0)).toBe(true);
  });

  it("rejects an empty or inverted window and one longer than the retention", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice");
    const inverted = await portalCall("portal.getVerifications", { startTime: 2000, endTime: 1000 }, token);
    expect(inverted.status).toBe(400);
    expect(inverted.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
    expect(inverted.body.error!.detail).toBe("`endTime` must be greater than `startTime`.");
    expect((await portalCall("portal.getVerifications", { startTime: 1000, endTime: 1000 }, token)).status).toBe(400);
    const now = Date.now();
    const tooLong = await portalCall("portal.getVerifications", { startTime: now - 31 * DAY, endTime: now }, token);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error!.detail).toBe("The requested time window is too large. The maximum window is 30 days.");
    expect((await portalCall("portal.getVerifications", { startTime: "yesterday", endTime: now }, token)).status).toBe(400);
  });

  it("needs the analytics:read scope and a live session", async () => {
    const w = await portalWorld();
    const { token } = await signIn(w.ws.rootKey, w.slug, "user_alice", ["keys:read"]);
    const res = await portalCall("portal.getVerifications", { startTime: 0, endTime: 1000 }, token);
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
    const other = await signIn(w.ws.rootKey, w.slug, "user_alice");
    await env.DB.prepare("UPDATE portal_sessions SET access_token_expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, other.sessionId)
      .run();
    expect((await portalCall("portal.getVerifications", { startTime: 0, endTime: 1000 }, other.token)).status).toBe(401);
  });
});
