import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, type TestServer } from "./helpers/server";

/**
 * Security issue 14, items 8 and 11, over HTTP against the local server: a page on another
 * site posting to the cookie-authenticated portal routes with the user's session cookie, and a
 * forged Host header choosing where the portal session URL points.
 */
let server: TestServer;
let rootKey: string;

async function api(
  operation: string,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${rootKey}`, "content-type": "application/json" },
) {
  const res = await fetch(`${server.url}/v2/${operation}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

/** A signed-in end user: the portal_session cookie value, and the id and secret of their key. */
async function signedInUser() {
  const { body: apiBody } = await api("apis.createApi", { name: `csrf-${Date.now()}` });
  const apiId = apiBody.data.apiId;
  const slug = `csrf-${crypto.randomUUID().slice(0, 8)}`;
  expect((await api("portal.createPortal", { slug, apiId })).status).toBe(200);
  const created = await api("keys.createKey", { apiId, externalId: "victim", name: "production" });
  const session = await api("portal.createSession", { portal: slug, externalId: "victim", scopes: ["keys:read", "keys:reroll"] });
  expect(session.status).toBe(200);
  const code = new URL(session.body.data.url).searchParams.get("code");
  const exchanged = await api("portal.exchangeCode", { code }, { "content-type": "application/json" });
  expect(exchanged.status).toBe(200);
  return { cookie: `portal_session=${exchanged.body.data.accessToken}`, keyId: created.body.data.keyId as string, key: created.body.data.key as string };
}

const verify = async (key: string) => (await api("keys.verifyKey", { key })).body.data;

beforeAll(async () => {
  server = await startApi();
  rootKey = (await server.newWorkspace("portal csrf")).rootKey;
});
afterAll(async () => {
  await server?.stop();
});

describe("portal cookie routes refuse cross-site requests (CSRF)", () => {
  it("refuses text/plain, a foreign Origin and Sec-Fetch-Site: cross-site, and rolls nothing", async () => {
    const user = await signedInUser();
    const roll = JSON.stringify({ keyId: user.keyId, expiration: 0 });
    const attacks: [string, Record<string, string>, number, string][] = [
      ["text/plain from evil.example (the reported attack)", { "content-type": "text/plain", origin: "https://evil.example" }, 415, "unsupported_media_type"],
      ["text/plain without Origin", { "content-type": "text/plain" }, 415, "unsupported_media_type"],
      ["application/json from evil.example", { "content-type": "application/json", origin: "https://evil.example" }, 403, "forbidden"],
      ["Origin: null", { "content-type": "application/json", origin: "null" }, 403, "forbidden"],
      ["Sec-Fetch-Site: cross-site", { "content-type": "application/json", "sec-fetch-site": "cross-site" }, 403, "forbidden"],
      ["Sec-Fetch-Site: same-site", { "content-type": "application/json", "sec-fetch-site": "same-site" }, 403, "forbidden"],
      [
        "same Origin but Sec-Fetch-Site: cross-site",
        { "content-type": "application/json", origin: server.url, "sec-fetch-site": "cross-site" },
        403,
        "forbidden",
      ],
    ];
    for (const [name, headers, status, type] of attacks) {
      const res = await api("portal.rerollKey", roll, { cookie: user.cookie, ...headers });
      expect(res.status, name).toBe(status);
      expect(res.body.error.type, name).toMatch(new RegExp(`${type}$`));
      const listed = await api("portal.listKeys", "{}", { cookie: user.cookie, ...headers });
      expect(listed.status, `listKeys: ${name}`).toBe(status);
    }
    // the victim's key was never rolled
    expect(await verify(user.key)).toMatchObject({ valid: true, code: "VALID" });
    const own = await api("portal.listKeys", {}, { cookie: user.cookie, "content-type": "application/json", origin: server.url });
    expect(own.body.data.map((k: { keyId: string }) => k.keyId)).toEqual([user.keyId]);
  });

  it("accepts a same-origin JSON request from the portal", async () => {
    const user = await signedInUser();
    const res = await api(
      "portal.rerollKey",
      { keyId: user.keyId, expiration: 0 },
      {
        cookie: user.cookie,
        "content-type": "application/json",
        origin: server.url,
        "sec-fetch-site": "same-origin",
      },
    );
    expect(res.status).toBe(200);
    expect(await verify(res.body.data.key)).toMatchObject({ valid: true });
    expect(await verify(user.key)).toMatchObject({ valid: false, code: "EXPIRED" });
  });
});

describe("portal session URL with a forged Host header", () => {
  /** POST with a Host header of our choosing (fetch cannot set Host). */
  function postWithHost(host: string, operation: string, body: unknown) {
    const target = new URL(server.url);
    return new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: "POST",
          path: `/v2/${operation}`,
          headers: { host, authorization: `Bearer ${rootKey}`, "content-type": "application/json" },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify(body));
    });
  }

  it("never puts a session code on the forged host", async () => {
    const { body: apiBody } = await api("apis.createApi", { name: "host" });
    const slug = `host-${crypto.randomUUID().slice(0, 8)}`;
    await api("portal.createPortal", { slug, apiId: apiBody.data.apiId });
    const input = { portal: slug, externalId: "u", scopes: ["keys:read"] };
    const forged = await postWithHost("evil.example", "portal.createSession", input);
    expect(forged.status).toBe(412);
    expect(forged.body.error.type).toMatch(/precondition_failed$/);
    expect(forged.body.error.detail).toContain("PORTAL_BASE_URL");
    expect(JSON.stringify(forged.body)).not.toContain("evil.example");
    // the same call on the loopback address it really listens on works (local development)
    const local = await api("portal.createSession", input);
    expect(local.status).toBe(200);
    expect(new URL(local.body.data.url).origin).toBe(new URL(server.url).origin);
  });
});
