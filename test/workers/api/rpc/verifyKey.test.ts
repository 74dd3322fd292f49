import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../helpers/harness";

/** The test fixture Worker (test/fixtures/rpc-client) that holds a service binding to ApiEntrypoint. */
const rpcClient = () => (env as unknown as { RPC_CLIENT: Fetcher }).RPC_CLIENT;

async function verifyViaSecondWorker(input: Record<string, unknown>) {
  const res = await rpcClient().fetch("http://rpc-client/", { method: "POST", body: JSON.stringify(input) });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    meta: { requestId: string };
    data?: Record<string, unknown>;
    error?: { status: number; type: string; detail: string; errors?: unknown[] };
  };
}

async function setup(createBody: Record<string, unknown> = {}) {
  const ws = await newWorkspace("rpc");
  const apiId = await newApi(ws.rootKey);
  const res = await call<{ keyId: string; key: string }>("keys.createKey", { apiId, ...createBody }, ws.rootKey);
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return { ...ws, apiId, ...res.body.data };
}

describe("ApiEntrypoint.verifyKey from a second Worker", () => {
  it("returns the same data as the HTTP endpoint", async () => {
    const t = await setup({ name: "rpc", meta: { tier: "gold" }, permissions: ["a.read"], credits: { remaining: 10 } });
    const rpc = await verifyViaSecondWorker({ rootKey: t.rootKey, key: t.key, permissions: "a.read", tags: ["via=rpc"] });
    expect(rpc.meta.requestId).toMatch(/^req_/);
    expect(rpc.data).toEqual({
      valid: true,
      code: "VALID",
      keyId: t.keyId,
      name: "rpc",
      meta: { tier: "gold" },
      credits: 9,
      enabled: true,
      permissions: ["a.read"],
    });
    const http = await call("keys.verifyKey", { key: t.key, permissions: "a.read" }, t.rootKey);
    expect(http.body.data).toEqual({ ...rpc.data, credits: 8 });
  });

  it("answers NOT_FOUND, allowlist and root-key outcomes as HTTP does", async () => {
    const t = await setup();
    expect((await verifyViaSecondWorker({ rootKey: t.rootKey, key: "nope" })).data).toEqual({ valid: false, code: "NOT_FOUND" });
    const reader = await rootKeyWith(t.rootKey, ["api.*.read_key"]);
    expect((await verifyViaSecondWorker({ rootKey: reader, key: t.key })).data).toEqual({ valid: false, code: "NOT_FOUND" });
    await call("apis.updateApi", { apiId: t.apiId, ipWhitelist: "192.0.2.0/24" }, t.rootKey);
    expect((await verifyViaSecondWorker({ rootKey: t.rootKey, key: t.key, ip: "192.0.2.9" })).data?.code).toBe("VALID");
    expect((await verifyViaSecondWorker({ rootKey: t.rootKey, key: t.key, ip: "198.51.100.1" })).data?.code).toBe("FORBIDDEN");
    const bad = await verifyViaSecondWorker({ rootKey: "unkey_wrong", key: t.key });
    expect(bad.error).toMatchObject({ status: 401, type: errorType("unkey/authentication/key_not_found") });
    const missing = await verifyViaSecondWorker({ key: t.key });
    expect(missing.error).toMatchObject({ status: 400, type: errorType("unkey/application/invalid_input") });
  });

  it("rejects invalid input with the invalid_input error", async () => {
    const t = await setup();
    const res = await verifyViaSecondWorker({ rootKey: t.rootKey, key: "" });
    expect(res.error).toMatchObject({ status: 400, type: errorType("unkey/application/invalid_input") });
    const extra = await verifyViaSecondWorker({ rootKey: t.rootKey, key: t.key, bogus: 1 });
    expect(extra.error?.status).toBe(400);
    const missing = await verifyViaSecondWorker({ key: t.key });
    expect(missing.error?.status).toBe(400);
  });

  it("replays idempotent retries without spending twice", async () => {
    const t = await setup({ credits: { remaining: 5 } });
    const first = await verifyViaSecondWorker({ rootKey: t.rootKey, key: t.key, idempotencyKey: "job-1" });
    const retry = await verifyViaSecondWorker({ rootKey: t.rootKey, key: t.key, idempotencyKey: "job-1" });
    expect(first.data).toMatchObject({ code: "VALID", credits: 4 });
    expect(retry.data).toEqual(first.data);
  });
});
