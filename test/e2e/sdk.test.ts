import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Unkey } from "@unkey/api";
import { startApi, type TestServer } from "./helpers/server";

/**
 * The official TypeScript SDK (@unkey/api) against `wrangler dev`: every call goes through the
 * SDK's own request building and response validation, so a field or status we get wrong fails here.
 */
let server: TestServer;
let unkey: Unkey;

beforeAll(async () => {
  server = await startApi();
  const ws = await server.newWorkspace("sdk");
  unkey = new Unkey({ serverURL: server.url, rootKey: ws.rootKey });
});

afterAll(async () => {
  await server?.stop();
});

describe("@unkey/api against wrangler dev: the key lifecycle", () => {
  it("createApi → createKey → verifyKey → updateKey → verifyKey → updateCredits → deleteKey → verifyKey", async () => {
    const api = await unkey.apis.createApi({ name: "sdk-e2e" });
    const apiId = api.data.apiId;
    expect(apiId).toMatch(/^api_/);

    const created = await unkey.keys.createKey({
      apiId,
      prefix: "sk_test",
      name: "customer-1",
      meta: { plan: "pro" },
      externalId: "customer_1",
      permissions: ["reports.read"],
      credits: { remaining: 3 },
    });
    const { keyId, key } = created.data;
    expect(key.startsWith("sk_test_")).toBe(true);

    const first = await unkey.keys.verifyKey({ key, permissions: "reports.read", tags: ["path=/reports"] });
    expect(first.meta.requestId).toMatch(/^req_/);
    expect(first.data).toMatchObject({
      valid: true,
      code: "VALID",
      keyId,
      name: "customer-1",
      meta: { plan: "pro" },
      credits: 2,
      enabled: true,
      permissions: ["reports.read"],
    });
    expect(first.data.identity?.externalId).toBe("customer_1");

    await unkey.keys.updateKey({ keyId, enabled: false });
    const disabled = await unkey.keys.verifyKey({ key });
    expect(disabled.data).toMatchObject({ valid: false, code: "DISABLED", keyId, enabled: false });

    await unkey.keys.updateKey({ keyId, enabled: true });
    const credits = await unkey.keys.updateCredits({ keyId, operation: "increment", value: 10 });
    expect(credits.data.remaining).toBe(12);
    const afterTopUp = await unkey.keys.verifyKey({ key, credits: { cost: 2 } });
    expect(afterTopUp.data).toMatchObject({ valid: true, code: "VALID", credits: 10 });
    const tooExpensive = await unkey.keys.verifyKey({ key, credits: { cost: 11 } });
    expect(tooExpensive.data).toMatchObject({ valid: false, code: "USAGE_EXCEEDED", credits: 10 });

    await unkey.keys.deleteKey({ keyId });
    const gone = await unkey.keys.verifyKey({ key });
    expect(gone.data).toEqual({ valid: false, code: "NOT_FOUND" });
  });

  it("surfaces verifyKey's HTTP errors as the SDK's typed errors", async () => {
    const api = await unkey.apis.createApi({ name: "sdk-errors" });
    const { key } = (await unkey.keys.createKey({ apiId: api.data.apiId })).data;
    await expect(unkey.keys.verifyKey({ key, permissions: "a AND (" })).rejects.toMatchObject({ statusCode: 400 });
    const stranger = new Unkey({ serverURL: server.url, rootKey: "unkey_not_a_real_key" });
    await expect(stranger.keys.verifyKey({ key })).rejects.toMatchObject({ statusCode: 401 });
  });
});
