import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace } from "../../../helpers/harness";

/** keys.verifyKey with key- and identity-level rate limits, end to end. */
async function setup() {
  const ws = await newWorkspace("keylimits");
  const apiId = await newApi(ws.rootKey);
  const createKey = async (body: Record<string, unknown> = {}) => {
    const res = await call<{ keyId: string; key: string }>("keys.createKey", { apiId, ...body }, ws.rootKey);
    if (res.status !== 200) throw new Error(JSON.stringify(res.body));
    return res.body.data;
  };
  const verify = (key: string, body: Record<string, unknown> = {}) => call("keys.verifyKey", { key, ...body }, ws.rootKey);
  return { ...ws, apiId, createKey, verify };
}

describe("rate limits in keys.verifyKey", () => {
  it("an identity's limit is one pool shared by all its keys", async () => {
    const t = await setup();
    await call("identities.createIdentity", { externalId: "org_1", ratelimits: [{ name: "tokens", limit: 4, duration: 1_800_000 }] }, t.rootKey);
    const a = await t.createKey({ externalId: "org_1" });
    const b = await t.createKey({ externalId: "org_1" });
    const first = await t.verify(a.key, { ratelimits: [{ name: "tokens", cost: 4 }] });
    expect(first.body.data).toMatchObject({ valid: true, code: "VALID" });
    expect(first.body.data.ratelimits).toEqual([
      {
        id: expect.stringMatching(/^rl_/),
        name: "tokens",
        limit: 4,
        duration: 1_800_000,
        autoApply: false,
        exceeded: false,
        remaining: 0,
        reset: expect.any(Number),
      },
    ]);
    const second = await t.verify(b.key, { ratelimits: [{ name: "tokens" }] });
    expect(second.status).toBe(200);
    expect(second.body.data).toMatchObject({ valid: false, code: "RATE_LIMITED" });
    expect(second.body.data.ratelimits[0]).toMatchObject({ name: "tokens", exceeded: true, remaining: 0 });
  });

  it("several limits are all-or-nothing: the 13th call is limited and the 30-day limit keeps 188", async () => {
    const t = await setup();
    const k = await t.createKey({
      ratelimits: [
        { name: "minute", limit: 12, duration: 3_600_000, autoApply: true },
        { name: "month", limit: 200, duration: 2_592_000_000, autoApply: true },
      ],
    });
    let last: any;
    for (let i = 0; i < 12; i++) {
      last = await t.verify(k.key);
      expect(last.body.data.code).toBe("VALID");
    }
    const limited = await t.verify(k.key);
    expect(limited.body.data.code).toBe("RATE_LIMITED");
    const byName = Object.fromEntries(limited.body.data.ratelimits.map((r: any) => [r.name, r]));
    expect(byName.minute).toMatchObject({ exceeded: true, remaining: 0, autoApply: true });
    expect(byName.month).toMatchObject({ exceeded: false, remaining: 188, autoApply: true });
  });

  it("a denied identity limit leaves the key's own limit uncharged (two limiter objects)", async () => {
    const t = await setup();
    await call(
      "identities.createIdentity",
      { externalId: "tight", ratelimits: [{ name: "per_identity", limit: 1, duration: 3_600_000, autoApply: true }] },
      t.rootKey,
    );
    const k = await t.createKey({ externalId: "tight", ratelimits: [{ name: "per_key", limit: 10, duration: 3_600_000, autoApply: true }] });
    expect((await t.verify(k.key)).body.data.code).toBe("VALID");
    for (let i = 0; i < 2; i++) {
      const res = await t.verify(k.key);
      expect(res.body.data.code).toBe("RATE_LIMITED");
      const byName = Object.fromEntries(res.body.data.ratelimits.map((r: any) => [r.name, r]));
      expect(byName.per_identity).toMatchObject({ exceeded: true, remaining: 0 });
      expect(byName.per_key).toMatchObject({ exceeded: false, remaining: 9 });
    }
  });

  it("auto-applied limits run on every verification at cost 1", async () => {
    const t = await setup();
    const k = await t.createKey({
      ratelimits: [
        { name: "auto", limit: 5, duration: 3_600_000, autoApply: true },
        { name: "manual", limit: 5, duration: 3_600_000 },
      ],
    });
    const res = await t.verify(k.key);
    expect(res.body.data.ratelimits).toEqual([
      {
        id: expect.stringMatching(/^rl_/),
        name: "auto",
        limit: 5,
        duration: 3_600_000,
        autoApply: true,
        exceeded: false,
        remaining: 4,
        reset: expect.any(Number),
      },
    ]);
    // naming the auto-applied limit replaces its cost-1 run
    const named = await t.verify(k.key, { ratelimits: [{ name: "auto", cost: 2 }] });
    expect(named.body.data.ratelimits).toHaveLength(1);
    expect(named.body.data.ratelimits[0].remaining).toBe(2);
  });

  it("an entry with limit and duration is an inline limit on the key", async () => {
    const t = await setup();
    const k = await t.createKey();
    const res = await t.verify(k.key, { ratelimits: [{ name: "adhoc", limit: 10, duration: 3_600_000, cost: 3 }] });
    expect(res.body.data.ratelimits).toEqual([
      { id: "", name: "adhoc", limit: 10, duration: 3_600_000, autoApply: false, exceeded: false, remaining: 7, reset: expect.any(Number) },
    ]);
    expect((await t.verify(k.key, { ratelimits: [{ name: "adhoc", limit: 10, duration: 3_600_000, cost: 8 }] })).body.data.code).toBe("RATE_LIMITED");
  });

  it("answers 412 for a requested name that exists on neither key nor identity, before counting anything", async () => {
    const t = await setup();
    const lone = await t.createKey({ ratelimits: [{ name: "known", limit: 1, duration: 3_600_000 }] });
    const res = await t.verify(lone.key, { ratelimits: [{ name: "known" }, { name: "missing" }] });
    expect(res.status).toBe(412);
    expect(res.body.error).toMatchObject({
      type: errorType("unkey/application/precondition_failed"),
      detail: `ratelimit 'missing' was requested but does not exist for key '${lone.keyId}' and there is no identity connected.`,
    });
    expect((await t.verify(lone.key, { ratelimits: [{ name: "known" }] })).body.data.code).toBe("VALID");

    const linked = await t.createKey({ externalId: "person" });
    const identityId = (await call("identities.getIdentity", { identity: "person" }, t.rootKey)).body.data.id;
    const res2 = await t.verify(linked.key, { ratelimits: [{ name: "nope" }] });
    expect(res2.status).toBe(412);
    expect(res2.body.error!.detail).toBe(
      `ratelimit 'nope' was requested but does not exist for key '${linked.keyId}' nor identity: '${identityId}' external ID: 'person'`,
    );
  });

  it("a key's limit wins over the identity's limit of the same name and counts per key", async () => {
    const t = await setup();
    await call(
      "identities.createIdentity",
      { externalId: "shared", ratelimits: [{ name: "requests", limit: 100, duration: 3_600_000, autoApply: true }] },
      t.rootKey,
    );
    const a = await t.createKey({ externalId: "shared", ratelimits: [{ name: "requests", limit: 1, duration: 3_600_000, autoApply: true }] });
    const b = await t.createKey({ externalId: "shared" });
    const ra = await t.verify(a.key);
    expect(ra.body.data.ratelimits).toEqual([expect.objectContaining({ name: "requests", limit: 1, remaining: 0 })]);
    expect((await t.verify(a.key)).body.data.code).toBe("RATE_LIMITED");
    // b has no key-level "requests": the identity's pool applies, untouched by a's key limit
    const rb = await t.verify(b.key);
    expect(rb.body.data.ratelimits).toEqual([expect.objectContaining({ name: "requests", limit: 100, remaining: 99 })]);
  });

  it("RATE_LIMITED spends no credits", async () => {
    const t = await setup();
    const k = await t.createKey({ credits: { remaining: 10 }, ratelimits: [{ name: "one", limit: 1, duration: 3_600_000, autoApply: true }] });
    expect((await t.verify(k.key)).body.data).toMatchObject({ code: "VALID", credits: 9 });
    expect((await t.verify(k.key)).body.data).toMatchObject({ code: "RATE_LIMITED", credits: 9 });
  });

  it("identity limit changes and deletion reach the next verification", async () => {
    const t = await setup();
    await call("identities.createIdentity", { externalId: "live", ratelimits: [{ name: "cap", limit: 1, duration: 3_600_000, autoApply: true }] }, t.rootKey);
    const k = await t.createKey({ externalId: "live" });
    expect((await t.verify(k.key)).body.data.code).toBe("VALID");
    expect((await t.verify(k.key)).body.data.code).toBe("RATE_LIMITED");
    await call("identities.updateIdentity", { identity: "live", ratelimits: [{ name: "cap", limit: 50, duration: 3_600_000, autoApply: true }] }, t.rootKey);
    const raised = await t.verify(k.key);
    expect(raised.body.data).toMatchObject({ code: "VALID" });
    expect(raised.body.data.ratelimits[0]).toMatchObject({ limit: 50, remaining: 48 });
    await call("identities.deleteIdentity", { identity: "live" }, t.rootKey);
    const after = await t.verify(k.key);
    expect(after.body.data.code).toBe("VALID");
    expect(after.body.data.ratelimits).toBeUndefined();
    expect(after.body.data.identity).toBeUndefined();
  });

  it("concurrent verifications of one identity's keys pass exactly the shared limit", async () => {
    const t = await setup();
    await call(
      "identities.createIdentity",
      { externalId: "crowd", ratelimits: [{ name: "burst", limit: 7, duration: 3_600_000, autoApply: true }] },
      t.rootKey,
    );
    const keys = await Promise.all(Array.from({ length: 3 }, () => t.createKey({ externalId: "crowd" })));
    const res = await Promise.all(Array.from({ length: 30 }, (_, i) => t.verify(keys[i % 3]!.key)));
    expect(res.filter((r) => r.body.data.code === "VALID")).toHaveLength(7);
    expect(res.filter((r) => r.body.data.code === "RATE_LIMITED")).toHaveLength(23);
  });
});
