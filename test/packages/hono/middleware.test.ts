import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Hono } from "hono";
import { keyforge, KeyforgeError, type KeyforgeConfig } from "@keyforge/hono";
import { call, newApi, newWorkspace } from "../../helpers/harness";

/**
 * @keyforge/hono against the real API Worker in workerd: HTTP mode (its fetch is the API's own
 * SELF.fetch) and service-binding mode (env.KEYFORGE → ApiEntrypoint, no HTTP hop).
 */
const viaHttp = { baseUrl: "http://api.test", fetch: (u: RequestInfo | URL, i?: RequestInit) => SELF.fetch(u as string, i) };

async function setup() {
  const ws = await newWorkspace("hono-mw");
  const apiId = await newApi(ws.rootKey);
  const created = await call<{ key: string; keyId: string }>("keys.createKey", { apiId, permissions: ["docs.read"] }, ws.rootKey);
  return { ...ws, apiId, key: created.body.data.key, keyId: created.body.data.keyId };
}

function appWith(config: KeyforgeConfig, bindings: Record<string, unknown> = {}) {
  const app = new Hono();
  app.use("*", keyforge(config));
  app.get("/", (c) => c.json({ valid: c.get("unkey").data.valid, code: c.get("unkey").data.code, keyId: c.get("unkey").data.keyId }));
  return (headers: Record<string, string> = {}) => app.request("/", { headers }, bindings);
}

describe("@keyforge/hono", () => {
  for (const [mode, opts, bindings] of [
    ["HTTP (baseUrl)", viaHttp, {}],
    ["service binding (env.KEYFORGE)", {}, { KEYFORGE: (env as unknown as { KEYFORGE: unknown }).KEYFORGE }],
  ] as const) {
    it(`${mode}: verifies the key and puts the result on c.get("unkey")`, async () => {
      const s = await setup();
      const req = appWith({ rootKey: s.rootKey, ...opts, permissions: "docs.read", tags: ["path=/"] }, bindings);
      const ok = await req({ authorization: `Bearer ${s.key}` });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ valid: true, code: "VALID", keyId: s.keyId });
      // an invalid key still reaches the handler (as @unkey/hono does) unless handleInvalidKey answers
      const unknown = await req({ authorization: "Bearer sk_nope" });
      expect(await unknown.json()).toMatchObject({ valid: false, code: "NOT_FOUND" });
      expect((await req({})).status).toBe(401);
    });

    it(`${mode}: a wrong root key reaches onError as a KeyforgeError with the server's 401`, async () => {
      const s = await setup();
      let seen: KeyforgeError | undefined;
      const req = appWith({ rootKey: "unkey_wrong", ...opts, onError: (c, err) => ((seen = err), c.text("verification unavailable", 503)) }, bindings);
      const res = await req({ authorization: `Bearer ${s.key}` });
      expect(res.status).toBe(503);
      expect(seen).toBeInstanceOf(KeyforgeError);
      expect(seen).toMatchObject({ statusCode: 401, type: expect.stringContaining("key_not_found"), requestId: expect.stringMatching(/^req_/) });
    });
  }

  it("uses the binding named by `binding` and ignores an env without it", async () => {
    const s = await setup();
    const binding = (env as unknown as { KEYFORGE: unknown }).KEYFORGE;
    const named = appWith({ rootKey: s.rootKey, binding: "API_SVC" }, { API_SVC: binding });
    expect(await (await named({ authorization: `Bearer ${s.key}` })).json()).toMatchObject({ valid: true });
    // no baseUrl and no binding: a configuration error, through onError
    let seen: KeyforgeError | undefined;
    const none = appWith({ rootKey: s.rootKey, binding: "MISSING", onError: (c, err) => ((seen = err), c.text("x", 500)) }, { KEYFORGE: binding });
    expect((await none({ authorization: `Bearer ${s.key}` })).status).toBe(500);
    expect(seen?.message).toContain("baseUrl");
  });

  it("answers with handleInvalidKey, a Response from getKey, and a network failure through onError", async () => {
    const s = await setup();
    const invalid = appWith({ rootKey: s.rootKey, ...viaHttp, permissions: "docs.write", handleInvalidKey: (c, r) => c.json({ denied: r.data.code }, 403) });
    const denied = await invalid({ authorization: `Bearer ${s.key}` });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ denied: "INSUFFICIENT_PERMISSIONS" });

    const custom = appWith({ rootKey: s.rootKey, ...viaHttp, getKey: (c) => c.req.header("x-api-key") ?? new Response("send x-api-key", { status: 400 }) });
    expect((await custom({})).status).toBe(400);
    expect(await (await custom({ "x-api-key": s.key })).json()).toMatchObject({ valid: true });

    let seen: KeyforgeError | undefined;
    const down = appWith({ rootKey: s.rootKey, baseUrl: "http://127.0.0.1:1", onError: (c, err) => ((seen = err), c.text("down", 502)) });
    expect((await down({ authorization: `Bearer ${s.key}` })).status).toBe(502);
    expect(seen).toMatchObject({ statusCode: 0 });
  });

  it("without onError a verification failure is an HTTP 500 from Hono, not an unhandled throw", async () => {
    const s = await setup();
    const res = await appWith({ rootKey: "unkey_wrong", ...viaHttp })({ authorization: `Bearer ${s.key}` });
    expect(res.status).toBe(500);
  });
});
