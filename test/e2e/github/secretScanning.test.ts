import { createServer, type Server } from "node:http";
import { generateKeyPairSync, sign, createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, type TestServer } from "../helpers/server";

// A locally generated P-256 key pair stands in for GitHub's: a small HTTP server publishes the
// public half the way GitHub does, and the tests sign alerts with the private half.
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const KEY_ID = "test-key-1";
let keyServer: Server;
let server: TestServer;

beforeAll(async () => {
  keyServer = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ public_keys: [{ key_identifier: KEY_ID, key: publicKey.export({ type: "spki", format: "pem" }), is_current: true }] }));
  });
  await new Promise<void>((r) => keyServer.listen(0, "127.0.0.1", r));
  const port = (keyServer.address() as { port: number }).port;
  server = await startApi({ vars: { GITHUB_KEYS_URL: `http://127.0.0.1:${port}/keys` } });
});
afterAll(async () => {
  await server?.stop();
  keyServer?.close();
});

async function report(alerts: unknown, opts: { badSignature?: boolean; keyId?: string } = {}) {
  const raw = JSON.stringify(alerts);
  const signature = sign("sha256", Buffer.from(opts.badSignature ? raw + " " : raw), privateKey).toString("base64");
  const res = await fetch(`${server.url}/v2/github.secretScanning`, {
    method: "POST",
    headers: { "content-type": "application/json", "Github-Public-Key-Identifier": opts.keyId ?? KEY_ID, "Github-Public-Key-Signature": signature },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function post(op: string, body: unknown, token: string) {
  const res = await fetch(`${server.url}/v2/${op}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("GitHub secret scanning partner endpoint", () => {
  it("labels a leaked root key true_positive, audits it, and leaves it working by default", async () => {
    const ws = await server.newWorkspace();
    const leaked = (await post("rootKeys.createRootKey", { name: "leaky", permissions: ["api.*.create_api"] }, ws.rootKey)).body.data;
    const res = await report([
      { token: leaked.key, type: "unkey_root_key", url: "https://github.com/x/y/blob/main/.env", source: "content" },
      { token: "unkey_notarealkey", type: "unkey_root_key", source: "commit" },
    ]);
    expect(res.status).toBe(201);
    expect(res.body[0]).toEqual({ token_raw: leaked.key, token_type: "unkey_root_key", label: "true_positive" });
    expect(res.body[1]).toEqual({
      token_hash: createHash("sha256").update("unkey_notarealkey").digest("base64"),
      token_type: "unkey_root_key",
      label: "false_positive",
    });
    expect((await post("apis.createApi", { name: "still works" }, leaked.key)).status).toBe(200);
  });

  it("disables a leaked root key at once where the workspace opted in", async () => {
    const ws = await server.newWorkspace();
    expect((await post("workspaces.updateWorkspace", { workspaceId: ws.workspaceId, disableLeakedKeys: true }, server.adminKey)).status).toBe(200);
    const leaked = (await post("rootKeys.createRootKey", { name: "leaky", permissions: ["api.*.create_api"] }, ws.rootKey)).body.data;
    expect((await post("apis.createApi", { name: "before" }, leaked.key)).status).toBe(200);
    expect((await report([{ token: leaked.key, type: "unkey_root_key" }])).body[0].label).toBe("true_positive");
    const after = await post("apis.createApi", { name: "after" }, leaked.key);
    expect(after.status).toBe(403);
    expect(after.body.error.type).toBe("https://unkey.com/docs/errors/unkey/authorization/key_disabled");
  });

  it("covers end-user keys only for APIs that opted in", async () => {
    const ws = await server.newWorkspace();
    await post("workspaces.updateWorkspace", { workspaceId: ws.workspaceId, disableLeakedKeys: true }, server.adminKey);
    const apiId = (await post("apis.createApi", { name: "public" }, ws.rootKey)).body.data.apiId;
    const key = (await post("keys.createKey", { apiId, prefix: "sk" }, ws.rootKey)).body.data.key;
    expect((await report([{ token: key, type: "sk_key" }])).body[0].label).toBe("false_positive");
    await post("apis.updateApi", { apiId, secretScanning: true }, ws.rootKey);
    expect((await report([{ token: key, type: "sk_key" }])).body[0].label).toBe("true_positive");
    const v = await post("keys.verifyKey", { key }, ws.rootKey);
    expect(v.body.data).toMatchObject({ valid: false, code: "DISABLED" });
    const logs = await post("audit.listLogs", { events: ["key.leaked"] }, ws.rootKey);
    expect(logs.status).toBe(200);
    expect(logs.body.data).toHaveLength(1);
    expect(logs.body.data[0].event).toBe("key.leaked");
  });

  it("rejects a bad signature with 401 and a malformed request with 400", async () => {
    expect((await report([{ token: "x", type: "t" }], { badSignature: true })).status).toBe(401);
    expect((await report([{ token: "x", type: "t" }], { keyId: "unknown" })).status).toBe(401);
    expect((await report([])).status).toBe(400);
    expect((await report({ token: "x" })).status).toBe(400);
    const noHeaders = await fetch(`${server.url}/v2/github.secretScanning`, { method: "POST", body: "[]" });
    expect(noHeaders.status).toBe(400);
  });
});
