import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

describe("keys.whoami", () => {
  it("finds a key by its secret and never returns the plaintext", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    await call("apis.updateApi", { apiId, storeEncryptedKeys: true }, ws.rootKey);
    const created = await call("keys.createKey", { apiId, name: "me", externalId: "u1", meta: { a: 1 }, recoverable: true }, ws.rootKey);
    const res = await call("keys.whoami", { key: created.body.data.key }, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ keyId: created.body.data.keyId, name: "me", meta: { a: 1 }, identity: { externalId: "u1" } });
    expect(res.body.data.plaintext).toBeUndefined();
  });

  it("reports unknown and deleted keys as not found", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const created = await call("keys.createKey", { apiId }, ws.rootKey);
    const unknown = await call("keys.whoami", { key: "sk_nothing_here" }, ws.rootKey);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error!.type).toBe(errorType("unkey/data/key_not_found"));
    expect(unknown.body.error!.detail).toBe("We could not find the requested key.");
    await call("keys.deleteKey", { keyId: created.body.data.keyId }, ws.rootKey);
    expect((await call("keys.whoami", { key: created.body.data.key }, ws.rootKey)).status).toBe(404);
  });

  it("masks other workspaces' keys and missing grants as not found", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const created = await call("keys.createKey", { apiId }, ws.rootKey);
    const other = await newWorkspace();
    const foreign = await call("keys.whoami", { key: created.body.data.key }, other.rootKey);
    expect(foreign.status).toBe(404);
    const scoped = await rootKeyWith(ws.rootKey, ["api.*.create_key"]);
    const denied = await call("keys.whoami", { key: created.body.data.key }, scoped);
    expect(denied.status).toBe(404);
    expect(denied.body.error!.type).toBe(errorType("unkey/data/key_not_found"));
    const reader = await rootKeyWith(ws.rootKey, [`api.${apiId}.read_key`]);
    expect((await call("keys.whoami", { key: created.body.data.key }, reader)).status).toBe(200);
  });

  it("rejects an empty key with 400", async () => {
    const ws = await newWorkspace();
    expect((await call("keys.whoami", { key: "" }, ws.rootKey)).status).toBe(400);
  });
});
