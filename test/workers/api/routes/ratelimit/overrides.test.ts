import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

async function withNamespace(name = "ovr") {
  const ws = await newWorkspace();
  await call("ratelimit.limit", { namespace: name, identifier: "seed", limit: 10, duration: 1000 }, ws.rootKey);
  const nsId = (await env.DB.prepare("SELECT id FROM ratelimit_namespaces WHERE workspace_id = ? AND name = ?")
    .bind(ws.workspaceId, name)
    .first<{ id: string }>())!.id;
  return { ...ws, nsId, name };
}
const limit = (rootKey: string, identifier: string, o: Record<string, unknown> = {}) =>
  call("ratelimit.limit", { namespace: "ovr", identifier, limit: 100, duration: 3_600_000, ...o }, rootKey);

describe("ratelimit overrides", () => {
  it("an exact override replaces limit and duration and is reported by id", async () => {
    const ws = await withNamespace();
    const set = await call("ratelimit.setOverride", { namespace: "ovr", identifier: "vip", limit: 200, duration: 120_000 }, ws.rootKey);
    expect(set.status).toBe(200);
    expect(set.body.data.overrideId).toMatch(/^rlor_/);
    const res = await limit(ws.rootKey, "vip");
    expect(res.body.data).toMatchObject({ success: true, limit: 200, remaining: 199, overrideId: set.body.data.overrideId });
    expect(res.body.data.reset % 120_000).toBe(0);
  });

  it("a wildcard override applies to matching identifiers only", async () => {
    const ws = await withNamespace();
    const { body } = await call("ratelimit.setOverride", { namespace: ws.nsId, identifier: "p*", limit: 3, duration: 3_600_000 }, ws.rootKey);
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push((await limit(ws.rootKey, "premium_1")).body.data);
    expect(hits.map((h) => [h.success, h.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(hits[3].overrideId).toBe(body.data.overrideId);
    expect((await limit(ws.rootKey, "basic")).body.data).toMatchObject({ limit: 100 });
  });

  it("exact beats wildcard, and the most specific wildcard wins whatever the creation order", async () => {
    const ws = await withNamespace();
    const set = (identifier: string, l: number) => call("ratelimit.setOverride", { namespace: "ovr", identifier, limit: l, duration: 3_600_000 }, ws.rootKey);
    await set("*", 1);
    await set("user_*", 2);
    await set("user_*_prod", 3);
    await set("user_42_prod", 4);
    expect((await limit(ws.rootKey, "user_42_prod", { cost: 0 })).body.data.limit).toBe(4);
    expect((await limit(ws.rootKey, "user_7_prod", { cost: 0 })).body.data.limit).toBe(3);
    expect((await limit(ws.rootKey, "user_7_dev", { cost: 0 })).body.data.limit).toBe(2);
    expect((await limit(ws.rootKey, "other", { cost: 0 })).body.data.limit).toBe(1);
    // a pattern stored literally is also an exact match for that literal identifier
    expect((await limit(ws.rootKey, "user_*", { cost: 0 })).body.data.limit).toBe(2);
  });

  it("a namespace with more overrides than one cache entry holds still finds exact and wildcard overrides", async () => {
    const ws = await withNamespace();
    const now = Date.now();
    const rows = Array.from({ length: 1100 }, (_, i) =>
      env.DB.prepare(
        'INSERT INTO ratelimit_overrides (id, workspace_id, namespace_id, identifier, "limit", duration, created_at) VALUES (?, ?, ?, ?, ?, 60000, ?)',
      ).bind(`rlor_bulk${String(i).padStart(5, "0")}`, ws.workspaceId, ws.nsId, `bulk_${i}`, 1000 + i, now),
    );
    await env.DB.batch(rows);
    await call("ratelimit.setOverride", { namespace: "ovr", identifier: "zz*", limit: 7, duration: 60_000 }, ws.rootKey);
    expect((await limit(ws.rootKey, "bulk_1099", { cost: 0 })).body.data.limit).toBe(2099);
    expect((await limit(ws.rootKey, "bulk_0", { cost: 0 })).body.data.limit).toBe(1000);
    expect((await limit(ws.rootKey, "zz_top", { cost: 0 })).body.data.limit).toBe(7);
    expect((await limit(ws.rootKey, "nobody", { cost: 0 })).body.data.limit).toBe(100);
    // a new exact override is seen at once here
    await call("ratelimit.setOverride", { namespace: "ovr", identifier: "nobody", limit: 3, duration: 60_000 }, ws.rootKey);
    expect((await limit(ws.rootKey, "nobody", { cost: 0 })).body.data.limit).toBe(3);
  });

  it("an override with limit 0 always denies", async () => {
    const ws = await withNamespace();
    await call("ratelimit.setOverride", { namespace: "ovr", identifier: "banned", limit: 0, duration: 3_600_000 }, ws.rootKey);
    const res = await limit(ws.rootKey, "banned", { cost: 0 });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ success: false, limit: 0, remaining: 0 });
  });

  it("an override may use a window far longer than a request may ask for", async () => {
    const ws = await withNamespace();
    await call("ratelimit.setOverride", { namespace: "ovr", identifier: "slow", limit: 2, duration: 1_000_000_000_000_000 }, ws.rootKey);
    const res = await limit(ws.rootKey, "slow");
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ success: true, limit: 2, remaining: 1 });
  });

  it("setting the same identifier again updates in place and keeps the id", async () => {
    const ws = await withNamespace();
    const a = await call("ratelimit.setOverride", { namespace: "ovr", identifier: "u", limit: 5, duration: 3_600_000 }, ws.rootKey);
    const b = await call("ratelimit.setOverride", { namespace: "ovr", identifier: "u", limit: 7, duration: 3_600_000 }, ws.rootKey);
    expect(b.body.data.overrideId).toBe(a.body.data.overrideId);
    expect((await limit(ws.rootKey, "u")).body.data.limit).toBe(7);
    const got = await call("ratelimit.getOverride", { namespace: "ovr", identifier: "u" }, ws.rootKey);
    expect(got.body.data).toEqual({ overrideId: a.body.data.overrideId, identifier: "u", limit: 7, duration: 3_600_000 });
  });

  it("getOverride resolves wildcards and masks a missing permission as not found", async () => {
    const ws = await withNamespace();
    const { body } = await call("ratelimit.setOverride", { namespace: "ovr", identifier: "team_*", limit: 9, duration: 5000 }, ws.rootKey);
    const got = await call("ratelimit.getOverride", { namespace: "ovr", identifier: "team_red" }, ws.rootKey);
    expect(got.body.data).toEqual({ overrideId: body.data.overrideId, identifier: "team_*", limit: 9, duration: 5000 });
    const none = await call("ratelimit.getOverride", { namespace: "ovr", identifier: "solo" }, ws.rootKey);
    expect(none.status).toBe(404);
    expect(none.body.error!.type).toBe(errorType("unkey/data/ratelimit_override_not_found"));
    const blind = await rootKeyWith(ws.rootKey, ["ratelimit.*.limit"]);
    const masked = await call("ratelimit.getOverride", { namespace: "ovr", identifier: "team_red" }, blind);
    expect(masked.status).toBe(404);
    expect(masked.body.error!.detail).toBe("This override does not exist.");
    const reader = await rootKeyWith(ws.rootKey, [`ratelimit.${ws.nsId}.read_override`]);
    expect((await call("ratelimit.getOverride", { namespace: "ovr", identifier: "team_red" }, reader)).status).toBe(200);
  });

  it("deleteOverride needs the exact stored identifier, then falls back to the next match", async () => {
    const ws = await withNamespace();
    await call("ratelimit.setOverride", { namespace: "ovr", identifier: "a*", limit: 11, duration: 3_600_000 }, ws.rootKey);
    await call("ratelimit.setOverride", { namespace: "ovr", identifier: "abc", limit: 22, duration: 3_600_000 }, ws.rootKey);
    const miss = await call("ratelimit.deleteOverride", { namespace: "ovr", identifier: "abd" }, ws.rootKey);
    expect(miss.status).toBe(404);
    expect(miss.body.error!.type).toBe(errorType("unkey/data/ratelimit_override_not_found"));
    expect((await call("ratelimit.deleteOverride", { namespace: "ovr", identifier: "abc" }, ws.rootKey)).status).toBe(200);
    expect((await limit(ws.rootKey, "abc", { cost: 0 })).body.data.limit).toBe(11);
    expect((await call("ratelimit.deleteOverride", { namespace: "ovr", identifier: "a*" }, ws.rootKey)).status).toBe(200);
    expect((await limit(ws.rootKey, "abc", { cost: 0 })).body.data.limit).toBe(100);
    expect((await call("ratelimit.deleteOverride", { namespace: "ovr", identifier: "a*" }, ws.rootKey)).status).toBe(404);
    const audit = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_logs WHERE workspace_id = ? AND event = 'ratelimit.delete_override'")
      .bind(ws.workspaceId)
      .first<{ n: number }>();
    expect(audit!.n).toBe(2);
  });

  it("a deleted override set again comes back with its id", async () => {
    const ws = await withNamespace();
    const a = await call("ratelimit.setOverride", { namespace: "ovr", identifier: "again", limit: 4, duration: 3_600_000 }, ws.rootKey);
    await call("ratelimit.deleteOverride", { namespace: "ovr", identifier: "again" }, ws.rootKey);
    const b = await call("ratelimit.setOverride", { namespace: "ovr", identifier: "again", limit: 6, duration: 3_600_000 }, ws.rootKey);
    expect(b.body.data.overrideId).toBe(a.body.data.overrideId);
    expect((await limit(ws.rootKey, "again")).body.data).toMatchObject({ limit: 6, overrideId: a.body.data.overrideId });
  });

  it("listOverrides pages by id with an inclusive cursor", async () => {
    const ws = await withNamespace();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await call("ratelimit.setOverride", { namespace: "ovr", identifier: `u${i}`, limit: i, duration: 1000 }, ws.rootKey)).body.data.overrideId);
    }
    ids.sort();
    const p1 = await call("ratelimit.listOverrides", { namespace: "ovr", limit: 2 }, ws.rootKey);
    expect(p1.body.data.map((o: any) => o.overrideId)).toEqual(ids.slice(0, 2));
    expect(p1.body.pagination).toEqual({ hasMore: true, cursor: ids[2] });
    const p2 = await call("ratelimit.listOverrides", { namespace: "ovr", limit: 2, cursor: ids[2] }, ws.rootKey);
    expect(p2.body.data.map((o: any) => o.overrideId)).toEqual(ids.slice(2, 4));
    const all = await call("ratelimit.listOverrides", { namespace: ws.nsId }, ws.rootKey);
    expect(all.body.data).toHaveLength(5);
    expect(all.body.pagination).toEqual({ hasMore: false });
    const empty = await withNamespace("ovr");
    expect((await call("ratelimit.listOverrides", { namespace: "ovr" }, empty.rootKey)).body).toMatchObject({ data: [], pagination: { hasMore: false } });
  });

  it("the override routes answer 404 for missing, deleted and foreign namespaces, before permissions", async () => {
    const ws = await withNamespace();
    const other = await withNamespace("theirs");
    const weak = await rootKeyWith(ws.rootKey, ["ratelimit.*.limit"]);
    for (const [op, extra] of [
      ["ratelimit.setOverride", { identifier: "x", limit: 1, duration: 1000 }],
      ["ratelimit.getOverride", { identifier: "x" }],
      ["ratelimit.deleteOverride", { identifier: "x" }],
      ["ratelimit.listOverrides", {}],
    ] as const) {
      for (const namespace of ["missing", "theirs", other.nsId]) {
        const res = await call(op, { namespace, ...extra }, weak);
        expect(res.status, `${op} ${namespace}`).toBe(404);
        expect(res.body.error!.type).toBe(errorType("unkey/data/ratelimit_namespace_not_found"));
        expect(res.body.error!.detail).toBe("This namespace does not exist.");
      }
    }
    await call("ratelimit.deleteNamespace", { namespace: "ovr" }, ws.rootKey);
    const gone = await call("ratelimit.setOverride", { namespace: "ovr", identifier: "x", limit: 1, duration: 1000 }, ws.rootKey);
    expect(gone.status).toBe(404);
  });

  it("set and delete need their permissions", async () => {
    const ws = await withNamespace();
    const weak = await rootKeyWith(ws.rootKey, ["ratelimit.*.read_override"]);
    const set = await call("ratelimit.setOverride", { namespace: "ovr", identifier: "x", limit: 1, duration: 1000 }, weak);
    expect(set.status).toBe(403);
    expect(set.body.error!.detail).toBe(`Missing one of these permissions: ratelimit.${ws.nsId}.set_override or ratelimit.*.set_override`);
    await call("ratelimit.setOverride", { namespace: "ovr", identifier: "x", limit: 1, duration: 1000 }, ws.rootKey);
    expect((await call("ratelimit.deleteOverride", { namespace: "ovr", identifier: "x" }, weak)).status).toBe(403);
    const lister = await rootKeyWith(ws.rootKey, ["ratelimit.*.limit"]);
    expect((await call("ratelimit.listOverrides", { namespace: "ovr" }, lister)).status).toBe(403);
  });
});

describe("resource-name grants on getOverride", () => {
  it("a read_override grant on the namespace's overrides reveals the override", async () => {
    const ws = await withNamespace();
    await call("ratelimit.setOverride", { namespace: "ovr", identifier: "g*", limit: 1, duration: 1000 }, ws.rootKey);
    const grant = await rootKeyWith(ws.rootKey, [`unkey:v1:${ws.workspaceId}:ratelimits/namespaces/${ws.nsId}/overrides/*#read_override`]);
    expect((await call("ratelimit.getOverride", { namespace: "ovr", identifier: "g1" }, grant)).status).toBe(200);
    const subtree = await rootKeyWith(ws.rootKey, [`unkey:v1:${ws.workspaceId}:ratelimits/**#read_override`]);
    expect((await call("ratelimit.getOverride", { namespace: "ovr", identifier: "g1" }, subtree)).status).toBe(200);
    const wrongAction = await rootKeyWith(ws.rootKey, [`unkey:v1:${ws.workspaceId}:ratelimits/**#set_override`]);
    expect((await call("ratelimit.getOverride", { namespace: "ovr", identifier: "g1" }, wrongAction)).status).toBe(404);
  });
});
