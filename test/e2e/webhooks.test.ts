import { createServer, type Server } from "node:http";
import { generateKeyPairSync, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { startApi, type TestServer } from "./helpers/server";

/**
 * Lifecycle webhooks end to end (docs/webhooks.md): a local receiver verifies every request
 * with the `standardwebhooks` package, the way a customer's receiver would.
 */
type Received = { path: string; id: string; type: string; body: any; raw?: string; headers?: Record<string, string> };
const received: Received[] = [];
const secrets = new Map<string, string>(); // receiver path → signing secret
const failFirst = new Map<string, number>(); // receiver path → answers 500 this many more times
let receiver: Server;
let receiverUrl = "";
let keyServer: Server;
let server: TestServer;
let ws: { workspaceId: string; rootKey: string };

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const path = req.url ?? "/";
      const left = failFirst.get(path) ?? 0;
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      if (path === "/redirect") {
        received.push({ path, id: headers["webhook-id"]!, type: "(redirect)", body: null });
        res.writeHead(302, { location: receiverUrl + "/redirect-target" }).end();
        return;
      }
      if (path === "/huge") {
        // a 10 MB error body: the platform reads 64 KiB of it and records the 500
        received.push({ path, id: headers["webhook-id"]!, type: "(huge)", body: null });
        res.writeHead(500, { "content-type": "text/plain" });
        const chunk = "x".repeat(1024 * 1024);
        let n = 0;
        const write = () => {
          while (n < 10 && res.write(chunk)) n++;
          if (n >= 10) res.end();
          else res.once("drain", () => (n++, write()));
        };
        write();
        return;
      }
      if (left > 0) {
        failFirst.set(path, left - 1);
        received.push({ path, id: headers["webhook-id"]!, type: "(failed)", body: JSON.parse(raw) });
        res.writeHead(500).end("not now");
        return;
      }
      try {
        const body = new Webhook(secrets.get(path)!).verify(raw, headers) as any;
        received.push({ path, id: headers["webhook-id"]!, type: body.type, body, raw, headers });
        res.writeHead(204).end();
      } catch (e) {
        received.push({ path, id: headers["webhook-id"]!, type: "(bad signature)", body: String(e) });
        res.writeHead(400).end("bad signature");
      }
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  keyServer = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ public_keys: [{ key_identifier: "k1", key: publicKey.export({ type: "spki", format: "pem" }), is_current: true }] }));
  });
  await new Promise<void>((r) => keyServer.listen(0, "127.0.0.1", r));
  server = await startApi({
    vars: {
      ALLOW_LOCAL_DESTINATIONS: "1",
      WEBHOOK_RETRY_BASE_MS: "300",
      GITHUB_KEYS_URL: `http://127.0.0.1:${(keyServer.address() as { port: number }).port}/keys`,
    },
  });
  ws = await server.newWorkspace("webhooks");
});
afterAll(async () => {
  await server?.stop();
  receiver?.close();
  keyServer?.close();
});

async function post(op: string, body: unknown, token = ws.rootKey) {
  const res = await fetch(`${server.url}/v2/${op}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function endpoint(path: string, body: Record<string, unknown>, token = ws.rootKey) {
  const res = await post("webhooks.createEndpoint", { url: receiverUrl + path, ...body }, token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  secrets.set(path, res.body.data.secret);
  return res.body.data.endpointId as string;
}

async function waitFor<T>(fn: () => T | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out; received: ${JSON.stringify(received.map((r) => [r.path, r.type]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const arrivals = (path: string, type?: string) => received.filter((r) => r.path === path && (!type || r.type === type));

describe("webhook endpoints", () => {
  it("returns a Standard Webhooks secret once and applies the destination policy to the URL", async () => {
    const res = await post("webhooks.createEndpoint", { url: receiverUrl + "/policy", events: ["key.created"] });
    expect(res.status).toBe(200);
    secrets.set("/policy", res.body.data.secret);
    expect(res.body.data.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await post("webhooks.getEndpoint", { endpointId: res.body.data.endpointId });
    expect(got.body.data).toMatchObject({ url: receiverUrl + "/policy", events: ["key.created"], enabled: true, expiringLeadDays: 7 });
    expect(JSON.stringify(got.body)).not.toContain("whsec_");
    for (const url of ["http://example.com/hook", "https://10.0.0.1/hook", "ftp://example.com/x"]) {
      const bad = await post("webhooks.createEndpoint", { url, events: ["key.created"] });
      expect(bad.status, url).toBe(400);
      expect(bad.body.error.errors[0].location).toBe("/body/url");
    }
    expect((await post("webhooks.createEndpoint", { url: "https://example.com/x", events: ["no.such_event"] })).status).toBe(400);
  });

  it("enforces the webhook permissions", async () => {
    const create = await post("rootKeys.createRootKey", { name: "reader", permissions: ["webhook.*.read_endpoint"] });
    const reader = create.body.data.key as string;
    expect((await post("webhooks.listEndpoints", {}, reader)).status).toBe(200);
    const denied = await post("webhooks.createEndpoint", { url: "https://example.com/x", events: ["key.created"] }, reader);
    expect(denied.status).toBe(403);
    expect(denied.body.error.detail).toContain("webhook.*.create_endpoint");
  });
});

describe("events arrive signed", () => {
  it("delivers key, rate-limit, secret-scanning, credit, deployment and test events", async () => {
    const all = [
      "key.created",
      "key.updated",
      "key.deleted",
      "key.rerolled",
      "key.credits_low",
      "key.credits_exhausted",
      "key.leaked",
      "root_key.leaked",
      "key.disabled_leaked",
      "ratelimit.exceeded",
      "deployment.promoted",
      "deployment.rolled_back",
    ];
    const epId = await endpoint("/all", { events: all, creditsLowThreshold: { absolute: 1 } });
    expect((await post("workspaces.updateWorkspace", { workspaceId: ws.workspaceId, disableLeakedKeys: true }, server.adminKey)).status).toBe(200);
    const apiId = (await post("apis.createApi", { name: "hooks" })).body.data.apiId;
    expect((await post("apis.updateApi", { apiId, secretScanning: true })).status).toBe(200);

    const k = (await post("keys.createKey", { apiId, name: "first", credits: { remaining: 2 } })).body.data;
    await waitFor(() => arrivals("/all", "key.created").length === 1);
    expect(arrivals("/all", "key.created")[0]!.body).toMatchObject({ type: "key.created", data: { keyId: k.keyId, apiId, name: "first", remaining: 2 } });
    expect(typeof arrivals("/all", "key.created")[0]!.body.timestamp).toBe("string");

    expect((await post("keys.updateKey", { keyId: k.keyId, name: "renamed" })).status).toBe(200);
    await waitFor(() => arrivals("/all", "key.updated").length === 1);
    expect(arrivals("/all", "key.updated")[0]!.body.data.name).toBe("renamed");

    // 2 credits: the first verification leaves 1 (low, threshold 1), the second 0 (exhausted)
    await post("keys.verifyKey", { key: k.key });
    await post("keys.verifyKey", { key: k.key });
    await post("keys.verifyKey", { key: k.key });
    await waitFor(() => arrivals("/all", "key.credits_exhausted").length === 1);
    expect(arrivals("/all", "key.credits_low")).toHaveLength(1);
    expect(arrivals("/all", "key.credits_low")[0]!.body.data).toMatchObject({ keyId: k.keyId, remaining: 1, threshold: 1 });

    const rerolled = (await post("keys.rerollKey", { keyId: k.keyId, expiration: 0 })).body.data;
    await waitFor(() => arrivals("/all", "key.rerolled").length === 1);
    expect(arrivals("/all", "key.rerolled")[0]!.body.data).toMatchObject({ keyId: rerolled.keyId, previousKeyId: k.keyId });

    expect((await post("keys.deleteKey", { keyId: rerolled.keyId })).status).toBe(200);
    await waitFor(() => arrivals("/all", "key.deleted").length === 1);
    expect(arrivals("/all", "key.deleted")[0]!.body.data.keyId).toBe(rerolled.keyId);

    // rate limit: 3 denials in one window → one event
    for (let i = 0; i < 5; i++) await post("ratelimit.limit", { namespace: "hooks", identifier: "user_1", limit: 2, duration: 60_000 });
    await waitFor(() => arrivals("/all", "ratelimit.exceeded").length === 1);
    expect(arrivals("/all", "ratelimit.exceeded")[0]!.body.data).toMatchObject({ namespace: "hooks", identifier: "user_1", limit: 2, duration: 60_000 });

    // GitHub reports a key and a root key as leaked (auto-disable on)
    const leakedKey = (await post("keys.createKey", { apiId })).body.data;
    const leakedRoot = (await post("rootKeys.createRootKey", { name: "leaky", permissions: ["api.*.read_api"] })).body.data;
    const raw = JSON.stringify([
      { token: leakedKey.key, type: "unkey_key", url: "https://github.com/x/y", source: "content" },
      { token: leakedRoot.key, type: "unkey_root_key", url: "https://github.com/x/y", source: "content" },
    ]);
    const gh = await fetch(`${server.url}/v2/github.secretScanning`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "Github-Public-Key-Identifier": "k1",
        "Github-Public-Key-Signature": sign("sha256", Buffer.from(raw), privateKey).toString("base64"),
      },
      body: raw,
    });
    expect(gh.status).toBe(201);
    await waitFor(
      () =>
        arrivals("/all", "key.leaked").length === 1 && arrivals("/all", "root_key.leaked").length === 1 && arrivals("/all", "key.disabled_leaked").length === 2,
    );
    expect(arrivals("/all", "key.leaked")[0]!.body.data).toMatchObject({ keyId: leakedKey.keyId, source: "content", disabled: true });
    expect(arrivals("/all", "root_key.leaked")[0]!.body.data).toMatchObject({ rootKeyId: leakedRoot.keyId });

    // deployments: rollback then promote
    await post("projects.createProject", { name: "Shop", slug: "shop" });
    await post("apps.createApp", { project: "shop", name: "API", slug: "api" });
    const one = (
      await post("deployments.createDeployment", { project: "shop", app: "api", environment: "production", image: { dockerImage: "https://one.example" } })
    ).body.data;
    const two = (
      await post("deployments.createDeployment", { project: "shop", app: "api", environment: "production", image: { dockerImage: "https://two.example" } })
    ).body.data;
    expect((await post("deployments.rollbackDeployment", { deploymentId: one.deploymentId })).status).toBeLessThan(300);
    expect((await post("deployments.promoteDeployment", { deploymentId: two.deploymentId })).status).toBeLessThan(300);
    await waitFor(() => arrivals("/all", "deployment.promoted").length === 1 && arrivals("/all", "deployment.rolled_back").length === 1);
    expect(arrivals("/all", "deployment.rolled_back")[0]!.body.data).toMatchObject({ deploymentId: one.deploymentId, previousDeploymentId: two.deploymentId });
    expect(arrivals("/all", "deployment.promoted")[0]!.body.data).toMatchObject({ deploymentId: two.deploymentId, previousDeploymentId: one.deploymentId });

    const test = await post("webhooks.sendTest", { endpointId: epId });
    expect(test.status).toBe(200);
    await waitFor(() => arrivals("/all", "webhook.test").length === 1);
    expect(arrivals("/all", "webhook.test")[0]!.id).toBe(test.body.data.deliveryId);

    // once per trigger, every one signed
    expect(arrivals("/all").filter((r) => r.type.startsWith("("))).toEqual([]);
    const twice = new Set(["key.created", "key.disabled_leaked"]); // two keys created, a key and a root key disabled
    for (const t of all) expect(arrivals("/all", t), t).toHaveLength(twice.has(t) ? 2 : 1);
    // apiIds limits key events: an endpoint for another API hears nothing of these keys
    expect(arrivals("/other")).toHaveLength(0);
  });

  it("keeps only key events of the endpoint's apiIds", async () => {
    const apiA = (await post("apis.createApi", { name: "api-a" })).body.data.apiId;
    const apiB = (await post("apis.createApi", { name: "api-b" })).body.data.apiId;
    await endpoint("/only-b", { events: ["key.created"], apiIds: [apiB] });
    await post("keys.createKey", { apiId: apiA });
    const kb = (await post("keys.createKey", { apiId: apiB })).body.data;
    await waitFor(() => arrivals("/only-b", "key.created").length === 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(arrivals("/only-b").map((r) => r.body.data.keyId)).toEqual([kb.keyId]);
  });
});

describe("delivery", () => {
  it("retries a failing receiver with the same webhook-id until it succeeds, recording 4 attempts", async () => {
    const epId = await endpoint("/flaky", { events: ["key.created"] });
    failFirst.set("/flaky", 3);
    const apiId = (await post("apis.createApi", { name: "flaky" })).body.data.apiId;
    await post("keys.createKey", { apiId });
    await waitFor(() => arrivals("/flaky", "key.created").length === 1, 60_000);
    const ids = arrivals("/flaky").map((r) => r.id);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(1);
    const deliveries = (await post("webhooks.listDeliveries", { endpointId: epId })).body.data;
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ deliveryId: ids[0], status: "succeeded", attempts: 4, responseCode: 204, eventType: "key.created" });
    expect(deliveries[0].latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("retryDelivery re-sends a failed delivery with the same webhook-id", async () => {
    const epId = await endpoint("/retry", { events: ["key.created"] });
    failFirst.set("/retry", 1000);
    const apiId = (await post("apis.createApi", { name: "retry" })).body.data.apiId;
    await post("keys.createKey", { apiId });
    await waitFor(() => arrivals("/retry").length >= 2);
    // give up on it: disable and re-enable (pending deliveries of a disabled endpoint fail)
    expect((await post("webhooks.updateEndpoint", { endpointId: epId, enabled: false })).status).toBe(200);
    const failed = await waitFor(() => true).then(async () => {
      for (let i = 0; i < 100; i++) {
        const d = (await post("webhooks.listDeliveries", { endpointId: epId })).body.data[0];
        if (d?.status === "failed") return d;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error("never failed");
    });
    expect((await post("webhooks.retryDelivery", { deliveryId: failed.deliveryId })).status).toBe(412);
    expect((await post("webhooks.updateEndpoint", { endpointId: epId, enabled: true })).status).toBe(200);
    failFirst.set("/retry", 0);
    const retried = await post("webhooks.retryDelivery", { deliveryId: failed.deliveryId });
    expect(retried.status).toBe(200);
    expect(retried.body.data.status).toBe("pending");
    await waitFor(() => arrivals("/retry", "key.created").length === 1);
    expect(arrivals("/retry", "key.created")[0]!.id).toBe(failed.deliveryId);
  });

  it("stops pending deliveries of a deleted endpoint", async () => {
    const epId = await endpoint("/deleted", { events: ["key.created"] });
    failFirst.set("/deleted", 1000);
    const apiId = (await post("apis.createApi", { name: "deleted" })).body.data.apiId;
    await post("keys.createKey", { apiId });
    await waitFor(() => arrivals("/deleted").length >= 1);
    const [pending] = (await post("webhooks.listDeliveries", { endpointId: epId })).body.data;
    expect((await post("webhooks.deleteEndpoint", { endpointId: epId })).status).toBe(200);
    const n = arrivals("/deleted").length;
    await new Promise((r) => setTimeout(r, 3000));
    expect(arrivals("/deleted").length).toBeLessThanOrEqual(n + 1); // at most an attempt already in flight
    expect((await post("webhooks.retryDelivery", { deliveryId: pending.deliveryId })).status).toBe(412);
  });

  it("pauses while the workspace is disabled and resumes when it is enabled", async () => {
    const other = await server.newWorkspace("paused");
    const paths = "/paused";
    const res = await post("webhooks.createEndpoint", { url: receiverUrl + paths, events: ["key.created"] }, other.rootKey);
    secrets.set(paths, res.body.data.secret);
    const apiId = (await post("apis.createApi", { name: "paused" }, other.rootKey)).body.data.apiId;
    failFirst.set(paths, 1);
    await post("keys.createKey", { apiId }, other.rootKey);
    await waitFor(() => arrivals(paths).length === 1); // the first attempt fails
    expect((await post("workspaces.updateWorkspace", { workspaceId: other.workspaceId, enabled: false }, server.adminKey)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 3000));
    expect(arrivals(paths, "key.created")).toHaveLength(0);
    expect((await post("workspaces.updateWorkspace", { workspaceId: other.workspaceId, enabled: true }, server.adminKey)).status).toBe(200);
    await waitFor(() => arrivals(paths, "key.created").length === 1);
  });

  it("records a redirect (not followed) and a 10 MB error body on the delivery, and retries", async () => {
    for (const path of ["/redirect", "/huge"]) {
      const epId = await endpoint(path, { events: ["key.created"] });
      const sent = await post("webhooks.sendTest", { endpointId: epId });
      expect(sent.status).toBe(200);
      await waitFor(() => arrivals(path).length >= 2);
      const [d] = (await post("webhooks.listDeliveries", { endpointId: epId })).body.data;
      expect(d.attempts).toBeGreaterThanOrEqual(2);
      expect(d.status).toBe("pending");
      expect(d.nextRetryAt).toBeGreaterThan(0);
      if (path === "/redirect") expect(d).toMatchObject({ responseCode: 302, error: expect.stringContaining("not followed") });
      else expect(d).toMatchObject({ responseCode: 500, error: "HTTP 500" });
      expect((await post("webhooks.deleteEndpoint", { endpointId: epId })).status).toBe(200);
    }
    expect(arrivals("/redirect-target")).toHaveLength(0);
  });

  it("signs with the old and the new secret for 24 h after rotateSecret", async () => {
    const epId = await endpoint("/rotate", { events: ["key.created"] });
    const old = secrets.get("/rotate")!;
    const rotated = await post("webhooks.rotateSecret", { endpointId: epId });
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.previousSecretExpiresAt).toBeGreaterThan(Date.now() + 23 * 3600_000);
    secrets.set("/rotate", rotated.body.data.secret);
    await post("webhooks.sendTest", { endpointId: epId });
    const got = await waitFor(() => arrivals("/rotate", "webhook.test")[0]);
    expect(got.headers!["webhook-signature"]!.split(" ")).toHaveLength(2);
    // a receiver still on the old secret accepts it too
    expect(new Webhook(old).verify(got.raw!, got.headers!)).toMatchObject({ type: "webhook.test" });
  });
});
