import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

type Credits = { remaining: number | null; refill?: { interval: string; amount: number; refillDay?: number } };

async function setup(credits?: unknown) {
  const ws = await newWorkspace("credits");
  const apiId = await newApi(ws.rootKey);
  const res = await call<{ keyId: string; key: string }>("keys.createKey", { apiId, ...(credits ? { credits } : {}) }, ws.rootKey);
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return { ...ws, apiId, ...res.body.data };
}

const update = (rootKey: string, body: Record<string, unknown>) => call<Credits>("keys.updateCredits", body, rootKey);

async function verifyCredits(rootKey: string, key: string, cost?: number) {
  const res = await call<{ code: string; credits?: number }>("keys.verifyKey", cost === undefined ? { key } : { key, credits: { cost } }, rootKey);
  return res.body.data;
}

describe("keys.updateCredits", () => {
  it("sets, increments and decrements (floored at 0), and verification sees each change", async () => {
    const t = await setup({ remaining: 10 });
    let res = await update(t.rootKey, { keyId: t.keyId, operation: "set", value: 5 });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ remaining: 5 });
    expect(await verifyCredits(t.rootKey, t.key)).toMatchObject({ code: "VALID", credits: 4 });
    res = await update(t.rootKey, { keyId: t.keyId, operation: "increment", value: 6 });
    expect(res.body.data).toEqual({ remaining: 10 });
    res = await update(t.rootKey, { keyId: t.keyId, operation: "decrement", value: 3 });
    expect(res.body.data).toEqual({ remaining: 7 });
    res = await update(t.rootKey, { keyId: t.keyId, operation: "decrement", value: 100 });
    expect(res.body.data).toEqual({ remaining: 0 });
    expect((await verifyCredits(t.rootKey, t.key)).code).toBe("USAGE_EXCEEDED");
    const got = await call<{ credits?: Credits }>("keys.getKey", { keyId: t.keyId }, t.rootKey);
    expect(got.body.data.credits).toEqual({ remaining: 0 });
  });

  it("makes a key unlimited with set null, dropping its refill", async () => {
    const t = await setup({ remaining: 3, refill: { interval: "monthly", amount: 10, refillDay: 15 } });
    const res = await update(t.rootKey, { keyId: t.keyId, operation: "set", value: null });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ remaining: null });
    const data = await verifyCredits(t.rootKey, t.key, 5);
    expect(data.code).toBe("VALID");
    expect(data.credits).toBeUndefined();
    const got = await call<{ credits?: Credits }>("keys.getKey", { keyId: t.keyId }, t.rootKey);
    expect(got.body.data.credits).toBeUndefined();
  });

  it("keeps the refill when set omits the value", async () => {
    const t = await setup({ remaining: 3, refill: { interval: "monthly", amount: 10, refillDay: 15 } });
    const res = await update(t.rootKey, { keyId: t.keyId, operation: "set" });
    expect(res.body.data).toEqual({ remaining: null, refill: { interval: "monthly", amount: 10, refillDay: 15 } });
    const set = await update(t.rootKey, { keyId: t.keyId, operation: "set", value: 4 });
    expect(set.body.data).toEqual({ remaining: 4, refill: { interval: "monthly", amount: 10, refillDay: 15 } });
  });

  it("refuses increment/decrement without a value or on an unlimited key", async () => {
    const limited = await setup({ remaining: 3 });
    for (const body of [{ operation: "increment" }, { operation: "decrement", value: null }]) {
      const res = await update(limited.rootKey, { keyId: limited.keyId, ...body });
      expect(res.status).toBe(400);
      expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
      expect(res.body.error!.detail).toBe("When specifying an increment or decrement operation, a value must be provided.");
    }
    const unlimited = await setup();
    const res = await update(unlimited.rootKey, { keyId: unlimited.keyId, operation: "increment", value: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error!.detail).toBe("You cannot increment or decrement a key with unlimited credits.");
  });

  it("validates the body", async () => {
    const t = await setup({ remaining: 3 });
    for (const body of [
      { keyId: t.keyId },
      { keyId: t.keyId, operation: "multiply", value: 2 },
      { keyId: t.keyId, operation: "set", value: -1 },
      { keyId: t.keyId, operation: "set", value: 1.5 },
      { keyId: "ab", operation: "set", value: 1 },
      { keyId: t.keyId, operation: "set", value: 1, extra: true },
    ]) {
      const res = await update(t.rootKey, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("answers 404 for unknown or foreign keys and 403 without update_key", async () => {
    const t = await setup({ remaining: 3 });
    const unknown = await update(t.rootKey, { keyId: "key_unknown123", operation: "set", value: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error!.type).toBe(errorType("unkey/data/key_not_found"));
    expect(unknown.body.error!.detail).toBe("We could not find the requested key.");
    const other = await setup();
    const foreign = await update(other.rootKey, { keyId: t.keyId, operation: "set", value: 1 });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error!.detail).toBe("The specified key was not found.");
    const reader = await rootKeyWith(t.rootKey, ["api.*.read_key"]);
    const denied = await update(reader, { keyId: t.keyId, operation: "set", value: 1 });
    expect(denied.status).toBe(403);
    expect(denied.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
    const scoped = await rootKeyWith(t.rootKey, [`api.${t.apiId}.update_key`]);
    expect((await update(scoped, { keyId: t.keyId, operation: "set", value: 1 })).status).toBe(200);
  });

  it("writes an audit event in the same batch as the change", async () => {
    const t = await setup({ remaining: 3 });
    await update(t.rootKey, { keyId: t.keyId, operation: "increment", value: 2 });
    const rows = await env.DB.prepare("SELECT event, targets FROM audit_logs WHERE workspace_id = ? AND event = 'key.update'")
      .bind(t.workspaceId)
      .all<{ event: string; targets: string }>();
    expect(rows.results.some((r) => r.targets.includes(t.keyId))).toBe(true);
  });

  it("stays exact when changes race with verifications", async () => {
    const t = await setup({ remaining: 100 });
    const verifications = Array.from({ length: 50 }, () => verifyCredits(t.rootKey, t.key));
    const increment = update(t.rootKey, { keyId: t.keyId, operation: "increment", value: 10 });
    const results = await Promise.all(verifications);
    expect((await increment).status).toBe(200);
    expect(results.every((r) => r.code === "VALID")).toBe(true);
    expect(await verifyCredits(t.rootKey, t.key, 0)).toMatchObject({ credits: 60 });
  });
});
