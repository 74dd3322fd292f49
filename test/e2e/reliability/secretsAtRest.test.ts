import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, type TestServer } from "../helpers/server";

// After a full run through the key lifecycle, no plaintext secret (root key, API key, rerolled
// key, recoverable key, portal code or token) may appear in any file of the local state (D1,
// Durable Object storage, caches) nor in the Worker's logs.
let server: TestServer;
beforeAll(async () => {
  process.env.WRANGLER_LOG = "log"; // capture the Worker's own console output too
  server = await startApi();
  delete process.env.WRANGLER_LOG;
});
afterAll(async () => {
  await server?.stop();
});

async function post(op: string, body: unknown, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/v2/${op}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any, headers: res.headers };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("secrets at rest and in logs", () => {
  it("no plaintext secret is stored or logged after a full run", async () => {
    const secrets: string[] = [];
    const ws = await server.newWorkspace("secrets");
    secrets.push(ws.rootKey);
    const scoped = await post("rootKeys.createRootKey", { name: "scoped", permissions: ["api.*.verify_key"] }, ws.rootKey);
    secrets.push(scoped.body.data.key);
    const apiId = (await post("apis.createApi", { name: "secrets" }, ws.rootKey)).body.data.apiId;
    await post("apis.updateApi", { apiId, storeEncryptedKeys: true }, ws.rootKey);

    const plain = await post("keys.createKey", { apiId, prefix: "sk", credits: { remaining: 10 }, externalId: "user_1" }, ws.rootKey);
    expect(plain.status).toBe(200);
    secrets.push(plain.body.data.key);
    const recoverable = await post("keys.createKey", { apiId, recoverable: true }, ws.rootKey);
    expect(recoverable.status).toBe(200);
    secrets.push(recoverable.body.data.key);
    // the recoverable key really is recoverable (so it is stored, but encrypted)
    const revealed = await post("keys.getKey", { keyId: recoverable.body.data.keyId, decrypt: true }, ws.rootKey);
    expect(revealed.body.data.plaintext).toBe(recoverable.body.data.key);

    for (let i = 0; i < 3; i++) await post("keys.verifyKey", { key: plain.body.data.key }, scoped.body.data.key, { "Idempotency-Key": `idem-${i}` });
    await post("keys.verifyKey", { key: "sk_wrong_guess_123" }, ws.rootKey);
    const rerolled = await post("keys.rerollKey", { keyId: plain.body.data.keyId, expiration: 60_000 }, ws.rootKey);
    expect(rerolled.status).toBe(200);
    secrets.push(rerolled.body.data.key);
    await post("keys.verifyKey", { key: rerolled.body.data.key }, ws.rootKey);

    // portal codes and access tokens are secrets too
    const portal = await post("portal.createPortal", { slug: "secrets", apiId }, ws.rootKey);
    if (portal.status === 200) {
      const session = await post("portal.createSession", { portal: portal.body.data.portalId, externalId: "user_1", scopes: ["keys:read"] }, ws.rootKey);
      if (session.status === 200) {
        const code = new URL(session.body.data.url).searchParams.get("code");
        if (code) {
          secrets.push(code);
          const exchanged = await post("portal.exchangeCode", { code }, "unused");
          if (exchanged.status === 200) secrets.push(exchanged.body.data.accessToken);
        }
      }
    }
    await new Promise((r) => setTimeout(r, 1500)); // let waitUntil work (write-backs, queues) land

    expect(secrets.length).toBeGreaterThanOrEqual(6);
    const files = filesUnder(server.persistTo);
    expect(files.some((f) => f.endsWith(".sqlite") || f.endsWith(".sqlite-wal"))).toBe(true);
    const leaks: string[] = [];
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const s of secrets) {
        if (bytes.includes(Buffer.from(s))) leaks.push(`${path.relative(server.persistTo, file)} contains ${s.slice(0, 8)}…`);
      }
    }
    const logs = server.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const s of secrets) if (logs.includes(s)) leaks.push(`logs contain ${s.slice(0, 8)}…`);
    expect(leaks).toEqual([]);
  });
});
