import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { errorType } from "../../../../helpers/harness";
import { portalWorld } from "./fixtures";

/**
 * Security issue 14, item 11: the URL `portal.createSession` answers with comes from
 * configuration only. An attacker who can make a backend call through a proxy that passes
 * `Host: evil.example` must not get a session code on evil.example.
 */
async function createSession(host: string, vars: Record<string, string | undefined>, body: Record<string, unknown>, rootKey: string) {
  const { default: worker } = await import("../../../../../workers/api/index");
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://${host}/v2/portal.createSession`, {
      method: "POST",
      headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json", host },
      body: JSON.stringify(body),
    }),
    { ...env, PORTAL_BASE_URL: undefined, API_BASE_URL: undefined, LOCAL_DEV: undefined, ...vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as any };
}

const sessions = (workspaceId: string) =>
  env.DB.prepare("SELECT count(*) AS n FROM portal_sessions WHERE workspace_id = ?").bind(workspaceId).first<{ n: number }>();

describe("portal session URL", () => {
  it("takes API_BASE_URL + /portal whatever the Host header says", async () => {
    const w = await portalWorld();
    const body = { portal: w.slug, externalId: "u1", scopes: ["keys:read"] };
    const res = await createSession("evil.example", { API_BASE_URL: "https://api.acme.test/" }, body, w.ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data.url).toMatch(/^https:\/\/api\.acme\.test\/portal\/\?code=pst_/);
  });

  it("prefers PORTAL_BASE_URL over API_BASE_URL", async () => {
    const w = await portalWorld();
    const body = { portal: w.slug, externalId: "u1", scopes: ["keys:read"] };
    const res = await createSession(
      "evil.example",
      { PORTAL_BASE_URL: "https://developers.acme.test/portal/", API_BASE_URL: "https://api.acme.test" },
      body,
      w.ws.rootKey,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.url).toMatch(/^https:\/\/developers\.acme\.test\/portal\/\?code=pst_/);
  });

  it("answers 412 naming the var to set, and writes nothing, when neither is configured (forged Host)", async () => {
    const w = await portalWorld();
    const body = { portal: w.slug, externalId: "u1", scopes: ["keys:read"] };
    const before = (await sessions(w.ws.workspaceId))!.n;
    for (const vars of [{}, { LOCAL_DEV: "1" }]) {
      const res = await createSession("evil.example", vars, body, w.ws.rootKey);
      expect(res.status, JSON.stringify(vars)).toBe(412);
      expect(res.body.error.type).toBe(errorType("unkey/application/precondition_failed"));
      expect(res.body.error.detail).toContain("PORTAL_BASE_URL");
      expect(res.body.error.detail).toContain("API_BASE_URL");
      expect(JSON.stringify(res.body)).not.toContain("evil.example");
    }
    expect((await sessions(w.ws.workspaceId))!.n).toBe(before);
  });

  it("answers 412 for a configured value that is not an absolute http(s) URL", async () => {
    const w = await portalWorld();
    const res = await createSession(
      "api.test",
      { PORTAL_BASE_URL: "portal.example.com" },
      { portal: w.slug, externalId: "u1", scopes: ["keys:read"] },
      w.ws.rootKey,
    );
    expect(res.status).toBe(412);
    expect(res.body.error.detail).toContain("PORTAL_BASE_URL");
  });

  it("uses a loopback request's own origin only in local development (LOCAL_DEV=1)", async () => {
    const w = await portalWorld();
    const body = { portal: w.slug, externalId: "u1", scopes: ["keys:read"] };
    const local = await createSession("127.0.0.1:8787", { LOCAL_DEV: "1" }, body, w.ws.rootKey);
    expect(local.status).toBe(200);
    expect(local.body.data.url).toMatch(/^http:\/\/127\.0\.0\.1:8787\/portal\/\?code=pst_/);
    expect((await createSession("127.0.0.1:8787", {}, body, w.ws.rootKey)).status).toBe(412);
  });
});
