import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { withKeyforge, type KeyforgeError, type RequestWithUnkeyContext } from "@keyforge/nextjs";
import { call, newApi, newWorkspace } from "../../helpers/harness";

/**
 * withKeyforge (the withUnkey of @unkey/nextjs) around a route handler, against the real API
 * Worker: over HTTP and through the service binding (getEnv).
 */
const viaHttp = { baseUrl: "http://api.test", fetch: (u: RequestInfo | URL, i?: RequestInit) => SELF.fetch(u as string, i) };
const ctx = { params: Promise.resolve({}) };

async function setup() {
  const ws = await newWorkspace("next-mw");
  const apiId = await newApi(ws.rootKey);
  const created = await call<{ key: string; keyId: string }>("keys.createKey", { apiId }, ws.rootKey);
  return { ...ws, key: created.body.data.key, keyId: created.body.data.keyId };
}

const handler = (req: RequestWithUnkeyContext) => Response.json({ keyId: req.unkey.data.keyId });
const get = (h: Record<string, string>) => new Request("http://app.test/api/protected", { headers: h });

describe("@keyforge/nextjs withKeyforge", () => {
  it("HTTP: a valid key reaches the handler with req.unkey; invalid is 401; missing is 401", async () => {
    const s = await setup();
    const GET = withKeyforge(handler, { rootKey: s.rootKey, ...viaHttp });
    const ok = await GET(get({ authorization: `Bearer ${s.key}` }), ctx);
    expect(await ok.json()).toEqual({ keyId: s.keyId });
    expect((await GET(get({ authorization: "Bearer sk_nope" }), ctx)).status).toBe(401);
    expect((await GET(get({}), ctx)).status).toBe(401);
  });

  it("service binding: verifies through getEnv's KEYFORGE with no baseUrl", async () => {
    const s = await setup();
    const GET = withKeyforge(handler, { rootKey: s.rootKey, getEnv: () => env });
    expect(await (await GET(get({ authorization: `Bearer ${s.key}` }), ctx)).json()).toEqual({ keyId: s.keyId });
  });

  it("a server 401 (wrong root key) reaches onError; without onError it is a plain 500", async () => {
    const s = await setup();
    let seen: KeyforgeError | undefined;
    const GET = withKeyforge(handler, { rootKey: "unkey_wrong", ...viaHttp, onError: (_req, err) => ((seen = err), new Response("nope", { status: 503 })) });
    expect((await GET(get({ authorization: `Bearer ${s.key}` }), ctx)).status).toBe(503);
    expect(seen).toMatchObject({ statusCode: 401 });
    const bare = withKeyforge(handler, { rootKey: "unkey_wrong", ...viaHttp });
    expect((await bare(get({ authorization: `Bearer ${s.key}` }), ctx)).status).toBe(500);
    const custom = withKeyforge(handler, {
      rootKey: s.rootKey,
      ...viaHttp,
      handleInvalidKey: (_r, res) => Response.json({ code: res.data.code }, { status: 403 }),
    });
    expect(await (await custom(get({ authorization: "Bearer sk_nope" }), ctx)).json()).toEqual({ code: "NOT_FOUND" });
  });
});
