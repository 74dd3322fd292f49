import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

describe("identities.createIdentity", () => {
  it("creates an identity with meta and ratelimits, readable by id and by externalId", async () => {
    const ws = await newWorkspace();
    const created = await call(
      "identities.createIdentity",
      {
        externalId: "user_123",
        meta: { plan: "pro" },
        ratelimits: [
          { name: "requests", limit: 10, duration: 60_000, autoApply: true },
          { name: "tokens", limit: 5, duration: 1000 },
        ],
      },
      ws.rootKey,
    );
    expect(created.status).toBe(200);
    const id = created.body.data.identityId;
    expect(id).toMatch(/^id_/);
    for (const identity of [id, "user_123"]) {
      const got = await call("identities.getIdentity", { identity }, ws.rootKey);
      expect(got.status).toBe(200);
      expect(got.body.data).toEqual({
        id,
        externalId: "user_123",
        meta: { plan: "pro" },
        ratelimits: [
          { id: expect.stringMatching(/^rl_/), name: "requests", limit: 10, duration: 60_000, autoApply: true },
          { id: expect.stringMatching(/^rl_/), name: "tokens", limit: 5, duration: 1000, autoApply: false },
        ],
      });
    }
    const events = await env.DB.prepare(
      "SELECT event FROM audit_logs WHERE workspace_id = ? AND event IN ('identity.create','ratelimit.create') ORDER BY event",
    )
      .bind(ws.workspaceId)
      .all<{ event: string }>();
    expect(events.results.map((e) => e.event)).toEqual(["identity.create", "ratelimit.create", "ratelimit.create"]);
  });

  it("omits empty meta and ratelimits", async () => {
    const ws = await newWorkspace();
    await call("identities.createIdentity", { externalId: "bare" }, ws.rootKey);
    expect((await call("identities.getIdentity", { identity: "bare" }, ws.rootKey)).body.data).toEqual({ id: expect.any(String), externalId: "bare" });
  });

  it("answers 409 for a taken externalId, also under concurrency, and writes nothing", async () => {
    const ws = await newWorkspace();
    const res = await Promise.all(
      Array.from({ length: 5 }, () =>
        call("identities.createIdentity", { externalId: "dup", ratelimits: [{ name: "abc", limit: 1, duration: 1000 }] }, ws.rootKey),
      ),
    );
    expect(res.filter((r) => r.status === 200)).toHaveLength(1);
    const conflicts = res.filter((r) => r.status === 409);
    expect(conflicts).toHaveLength(4);
    expect(conflicts[0]!.body.error).toMatchObject({
      type: errorType("unkey/data/identity_already_exists"),
      detail: "Identity with externalId 'dup' already exists in this workspace.",
    });
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM ratelimits WHERE workspace_id = ?").bind(ws.workspaceId).first<{ n: number }>();
    expect(n!.n).toBe(1);
  });

  it("rejects bad input with 400: pattern, duplicate limit names, oversized meta, unknown fields", async () => {
    const ws = await newWorkspace();
    for (const bad of [
      { externalId: "has space" },
      { externalId: "" },
      { externalId: "x".repeat(256) },
      { externalId: "ok", ratelimits: [{ name: "ab", limit: 1, duration: 1000 }] },
      { externalId: "ok", ratelimits: [{ name: "abc", limit: 0, duration: 1000 }] },
      { externalId: "ok", ratelimits: [{ name: "abc", limit: 1, duration: 999 }] },
      { externalId: "ok", extra: 1 },
      { externalId: "ok", meta: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i])) },
    ]) {
      const res = await call("identities.createIdentity", bad, ws.rootKey);
      expect(res.status, JSON.stringify(bad).slice(0, 80)).toBe(400);
      expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
    }
    const dup = await call(
      "identities.createIdentity",
      {
        externalId: "ok",
        ratelimits: [
          { name: "abc", limit: 1, duration: 1000 },
          { name: "abc", limit: 2, duration: 1000 },
        ],
      },
      ws.rootKey,
    );
    expect(dup.status).toBe(400);
    expect(dup.body.error!.detail).toBe("Ratelimit with name 'abc' is already defined in the request");
    const big = await call("identities.createIdentity", { externalId: "ok", meta: { blob: "x".repeat(1024 * 1024) } }, ws.rootKey);
    expect(big.status).toBe(400);
    expect(big.body.error!.detail).toMatch(/^Metadata is too large/);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM identities WHERE workspace_id = ?").bind(ws.workspaceId).first<{ n: number }>();
    expect(n!.n).toBe(0);
  });

  it("needs identity.*.create_identity", async () => {
    const ws = await newWorkspace();
    const weak = await rootKeyWith(ws.rootKey, ["identity.*.read_identity"]);
    const res = await call("identities.createIdentity", { externalId: "x" }, weak);
    expect(res.status).toBe(403);
    expect(res.body.error!.detail).toBe("Missing one of these permissions: identity.*.create_identity");
  });
});

describe("identities.getIdentity", () => {
  it("answers 404 for unknown, deleted and foreign identities, before the permission check", async () => {
    const ws = await newWorkspace();
    const other = await newWorkspace();
    const theirs = (await call("identities.createIdentity", { externalId: "theirs" }, other.rootKey)).body.data.identityId;
    const weak = await rootKeyWith(ws.rootKey, ["api.*.read_api"]);
    for (const identity of ["nope", theirs, "theirs"]) {
      const res = await call("identities.getIdentity", { identity }, weak);
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ type: errorType("unkey/data/identity_not_found"), detail: "This identity does not exist." });
    }
    await call("identities.createIdentity", { externalId: "mine" }, ws.rootKey);
    expect((await call("identities.getIdentity", { identity: "mine" }, weak)).status).toBe(403);
  });

  it("a huge identity string is simply not found", async () => {
    const ws = await newWorkspace();
    const res = await call("identities.getIdentity", { identity: "x".repeat(3_000_000) }, ws.rootKey);
    expect(res.status).toBe(404);
  });

  it("concurrent createKey calls with a new externalId link to one identity", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const res = await Promise.all(Array.from({ length: 6 }, () => call("keys.createKey", { apiId, externalId: "racer" }, ws.rootKey)));
    expect(res.every((r) => r.status === 200)).toBe(true);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM identities WHERE workspace_id = ? AND external_id = 'racer'")
      .bind(ws.workspaceId)
      .first<{ n: number }>();
    expect(n!.n).toBe(1);
    const linked = await env.DB.prepare("SELECT COUNT(DISTINCT identity_id) AS n FROM keys WHERE workspace_id = ?").bind(ws.workspaceId).first<{ n: number }>();
    expect(linked!.n).toBe(1);
  });

  it("accepts the identity-specific read permission", async () => {
    const ws = await newWorkspace();
    const id = (await call("identities.createIdentity", { externalId: "one" }, ws.rootKey)).body.data.identityId;
    const scoped = await rootKeyWith(ws.rootKey, [`identity.${id}.read_identity`]);
    expect((await call("identities.getIdentity", { identity: "one" }, scoped)).status).toBe(200);
  });
});

describe("identities.listIdentities", () => {
  it("pages by id, searches id and externalId ignoring case, and skips deleted ones", async () => {
    const ws = await newWorkspace();
    const ids: string[] = [];
    for (const e of ["Alpha", "beta", "gamma_1", "gamma%2", "delta"]) {
      ids.push((await call("identities.createIdentity", { externalId: e.replace("%", "_") }, ws.rootKey)).body.data.identityId);
    }
    await call("identities.deleteIdentity", { identity: "delta" }, ws.rootKey);
    const live = ids.slice(0, 4).sort();
    const p1 = await call("identities.listIdentities", { limit: 3 }, ws.rootKey);
    expect(p1.body.data.map((i: any) => i.id)).toEqual(live.slice(0, 3));
    expect(p1.body.pagination).toEqual({ hasMore: true, cursor: live[3] });
    const p2 = await call("identities.listIdentities", { limit: 3, cursor: live[3] }, ws.rootKey);
    expect(p2.body.data.map((i: any) => i.id)).toEqual([live[3]]);
    expect(p2.body.pagination).toEqual({ hasMore: false });
    const found = await call("identities.listIdentities", { search: "  ALPH " }, ws.rootKey);
    expect(found.body.data.map((i: any) => i.externalId)).toEqual(["Alpha"]);
    const literal = await call("identities.listIdentities", { search: "a_" }, ws.rootKey);
    expect(literal.body.data.map((i: any) => i.externalId).sort()).toEqual(["gamma_1", "gamma_2"]);
    expect((await call("identities.listIdentities", { search: "%" }, ws.rootKey)).body.data).toEqual([]);
  });

  it("checks read permission for each identity on the page", async () => {
    const ws = await newWorkspace();
    const id = (await call("identities.createIdentity", { externalId: "solo" }, ws.rootKey)).body.data.identityId;
    const scoped = await rootKeyWith(ws.rootKey, [`identity.${id}.read_identity`]);
    expect((await call("identities.listIdentities", {}, scoped)).status).toBe(200);
    await call("identities.createIdentity", { externalId: "second" }, ws.rootKey);
    expect((await call("identities.listIdentities", {}, scoped)).status).toBe(403);
    expect((await call("identities.listIdentities", { search: "nothing-matches" }, scoped)).status).toBe(200);
  });

  it("validates limit and search", async () => {
    const ws = await newWorkspace();
    for (const bad of [{ limit: 0 }, { limit: -1 }, { limit: 200 }, { search: "x".repeat(257) }]) {
      expect((await call("identities.listIdentities", bad, ws.rootKey)).status).toBe(400);
    }
  });
});

describe("identities.updateIdentity", () => {
  it("reconciles ratelimits by name, keeping ids of updated ones", async () => {
    const ws = await newWorkspace();
    await call(
      "identities.createIdentity",
      {
        externalId: "u",
        ratelimits: [
          { name: "keep", limit: 1, duration: 1000 },
          { name: "drop", limit: 2, duration: 1000 },
        ],
      },
      ws.rootKey,
    );
    const before = (await call("identities.getIdentity", { identity: "u" }, ws.rootKey)).body.data;
    const keepId = before.ratelimits.find((r: any) => r.name === "keep").id;
    const res = await call(
      "identities.updateIdentity",
      {
        identity: "u",
        ratelimits: [
          { name: "keep", limit: 5, duration: 2000, autoApply: true },
          { name: "new", limit: 3, duration: 1000 },
        ],
      },
      ws.rootKey,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.ratelimits).toEqual([
      { id: keepId, name: "keep", limit: 5, duration: 2000, autoApply: true },
      { id: expect.stringMatching(/^rl_/), name: "new", limit: 3, duration: 1000, autoApply: false },
    ]);
    const after = (await call("identities.getIdentity", { identity: "u" }, ws.rootKey)).body.data;
    expect(after.ratelimits).toEqual(res.body.data.ratelimits);
    const cleared = await call("identities.updateIdentity", { identity: "u", ratelimits: [] }, ws.rootKey);
    expect(cleared.body.data.ratelimits).toBeUndefined();
  });

  it("replaces meta, clears it with {}, and leaves it alone when omitted", async () => {
    const ws = await newWorkspace();
    await call("identities.createIdentity", { externalId: "m", meta: { a: 1 } }, ws.rootKey);
    expect((await call("identities.updateIdentity", { identity: "m", meta: { b: 2 } }, ws.rootKey)).body.data.meta).toEqual({ b: 2 });
    expect((await call("identities.updateIdentity", { identity: "m", ratelimits: [] }, ws.rootKey)).body.data.meta).toEqual({ b: 2 });
    expect((await call("identities.updateIdentity", { identity: "m", meta: {} }, ws.rootKey)).body.data.meta).toBeUndefined();
    expect((await call("identities.getIdentity", { identity: "m" }, ws.rootKey)).body.data.meta).toBeUndefined();
  });

  it("refuses duplicate names, missing identities and missing permission", async () => {
    const ws = await newWorkspace();
    await call("identities.createIdentity", { externalId: "x" }, ws.rootKey);
    const dup = await call(
      "identities.updateIdentity",
      {
        identity: "x",
        ratelimits: [
          { name: "abc", limit: 1, duration: 1000 },
          { name: "abc", limit: 1, duration: 1000 },
        ],
      },
      ws.rootKey,
    );
    expect(dup.status).toBe(400);
    expect(dup.body.error!.detail).toBe("Ratelimit with name 'abc' is already defined in the request");
    expect((await call("identities.updateIdentity", { identity: "nope", meta: {} }, ws.rootKey)).status).toBe(404);
    const reader = await rootKeyWith(ws.rootKey, ["identity.*.read_identity"]);
    expect((await call("identities.updateIdentity", { identity: "x", meta: {} }, reader)).status).toBe(403);
    expect((await call("identities.updateIdentity", { identity: "x", externalId: "y" }, ws.rootKey)).status).toBe(400);
  });
});

describe("identities.deleteIdentity", () => {
  it("answers with meta only, frees the externalId, and 404s a second time", async () => {
    const ws = await newWorkspace();
    const first = (await call("identities.createIdentity", { externalId: "gone", ratelimits: [{ name: "abc", limit: 1, duration: 1000 }] }, ws.rootKey)).body
      .data.identityId;
    const del = await call("identities.deleteIdentity", { identity: first }, ws.rootKey);
    expect(del.status).toBe(200);
    expect(Object.keys(del.body)).toEqual(["meta"]);
    expect((await call("identities.getIdentity", { identity: first }, ws.rootKey)).status).toBe(404);
    expect((await call("identities.deleteIdentity", { identity: first }, ws.rootKey)).status).toBe(404);
    const again = await call("identities.createIdentity", { externalId: "gone" }, ws.rootKey);
    expect(again.status).toBe(200);
    expect(again.body.data.identityId).not.toBe(first);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM ratelimits WHERE identity_id = ?").bind(first).first<{ n: number }>();
    expect(n!.n).toBe(0);
  });

  it("needs identity.*.delete_identity", async () => {
    const ws = await newWorkspace();
    await call("identities.createIdentity", { externalId: "d" }, ws.rootKey);
    const weak = await rootKeyWith(ws.rootKey, ["identity.*.update_identity"]);
    expect((await call("identities.deleteIdentity", { identity: "d" }, weak)).status).toBe(403);
  });
});

describe("resource-name grants on identity routes", () => {
  it("unkey:v1:<ws>:projects/*/identities/* grants are accepted per action", async () => {
    const ws = await newWorkspace();
    const grant = (action: string) => `unkey:v1:${ws.workspaceId}:projects/*/identities/*#${action}`;
    const creator = await rootKeyWith(ws.rootKey, [grant("create_identity"), grant("read_identity")]);
    expect((await call("identities.createIdentity", { externalId: "granted" }, creator)).status).toBe(200);
    expect((await call("identities.getIdentity", { identity: "granted" }, creator)).status).toBe(200);
    expect((await call("identities.deleteIdentity", { identity: "granted" }, creator)).status).toBe(403);
    const otherWs = await rootKeyWith(ws.rootKey, [`unkey:v1:ws_someone_else:projects/*/identities/*#read_identity`]);
    expect((await call("identities.getIdentity", { identity: "granted" }, otherWs)).status).toBe(403);
  });
});
