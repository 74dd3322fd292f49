import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

async function setup() {
  const ws = await newWorkspace();
  const apiId = await newApi(ws.rootKey);
  return { ws, apiId };
}

describe("portal configuration (createPortal, getPortal, listPortals, updatePortal, deletePortal)", () => {
  it("creates a portal with branding and reads it back by id and by slug", async () => {
    const { ws, apiId } = await setup();
    const res = await call(
      "portal.createPortal",
      { slug: "acme-dev", apiId, name: "Acme", logoUrl: "https://cdn.example.com/logo.png", primaryColor: "#FF5500", docsMarkdown: "# Hi" },
      ws.rootKey,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.portalId).toMatch(/^pc_/);
    for (const portal of [res.body.data.portalId, "acme-dev"]) {
      const got = await call("portal.getPortal", { portal }, ws.rootKey);
      expect(got.status).toBe(200);
      expect(got.body.data).toMatchObject({
        id: res.body.data.portalId,
        slug: "acme-dev",
        apiId,
        name: "Acme",
        logoUrl: "https://cdn.example.com/logo.png",
        primaryColor: "#ff5500",
        docsMarkdown: "# Hi",
        enabled: true,
      });
    }
    const log = await env.DB.prepare("SELECT * FROM audit_logs WHERE workspace_id = ? AND event = 'portal.create'").bind(ws.workspaceId).first();
    expect(log).not.toBeNull();
  });

  it("defaults the primary colour and omits unset branding", async () => {
    const { ws, apiId } = await setup();
    await call("portal.createPortal", { slug: "plain", apiId }, ws.rootKey);
    const got = await call("portal.getPortal", { portal: "plain" }, ws.rootKey);
    expect(got.body.data.primaryColor).toBe("#2563eb");
    expect(got.body.data).not.toHaveProperty("name");
    expect(got.body.data).not.toHaveProperty("logoUrl");
  });

  it.each([
    [{ slug: "ab" }, "short slug"],
    [{ slug: "-lead" }, "leading hyphen"],
    [{ slug: "trail-" }, "trailing hyphen"],
    [{ slug: "dou--ble" }, "double hyphen"],
    [{ slug: "Upper" }, "upper case"],
    [{ slug: "under_score" }, "underscore"],
    [{ slug: "x".repeat(65) }, "long slug"],
    [{ logoUrl: "http://insecure.example.com/a.png" }, "http logo"],
    [{ logoUrl: "javascript:alert(1)" }, "script logo"],
    [{ primaryColor: "red" }, "named colour"],
    [{ primaryColor: "#12345" }, "short colour"],
    [{ primaryColor: "#1234567" }, "long colour"],
  ] as [Record<string, unknown>, string][])("rejects %j with 400 (%s)", async (patch) => {
    const { ws, apiId } = await setup();
    const res = await call("portal.createPortal", { slug: "fine-slug", apiId, ...patch }, ws.rootKey);
    expect(res.status).toBe(400);
    expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
  });

  it("refuses a duplicate slug with 409 and an unknown API with 404", async () => {
    const { ws, apiId } = await setup();
    await call("portal.createPortal", { slug: "taken", apiId }, ws.rootKey);
    const dup = await call("portal.createPortal", { slug: "taken", apiId }, ws.rootKey);
    expect(dup.status).toBe(409);
    expect(dup.body.error!.type).toBe(errorType("unkey/data/portal_already_exists"));
    const noApi = await call("portal.createPortal", { slug: "other", apiId: "api_missing123" }, ws.rootKey);
    expect(noApi.status).toBe(404);
    expect(noApi.body.error!.type).toBe(errorType("unkey/data/api_not_found"));
    // the same slug is free in another workspace
    const other = await setup();
    expect((await call("portal.createPortal", { slug: "taken", apiId: other.apiId }, other.ws.rootKey)).status).toBe(200);
  });

  it("needs portal.*.create_portal to create", async () => {
    const { ws, apiId } = await setup();
    const weak = await rootKeyWith(ws.rootKey, ["portal.*.read_portal"]);
    const res = await call("portal.createPortal", { slug: "nope", apiId }, weak);
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
    const strong = await rootKeyWith(ws.rootKey, ["portal.*.create_portal"]);
    expect((await call("portal.createPortal", { slug: "yes", apiId }, strong)).status).toBe(200);
  });

  it("reads with read_portal (wildcard or per portal); without it existence is not revealed", async () => {
    const { ws, apiId } = await setup();
    const id = (await call("portal.createPortal", { slug: "mine", apiId }, ws.rootKey)).body.data.portalId;
    const specific = await rootKeyWith(ws.rootKey, [`portal.${id}.read_portal`]);
    expect((await call("portal.getPortal", { portal: "mine" }, specific)).status).toBe(200);
    const none = await rootKeyWith(ws.rootKey, ["api.*.read_api"]);
    const existing = await call("portal.getPortal", { portal: "mine" }, none);
    const missing = await call("portal.getPortal", { portal: "not-there" }, none);
    expect(existing.status).toBe(403);
    expect(missing.status).toBe(403);
    expect(existing.body.error!.detail).toBe(missing.body.error!.detail);
    expect((await call("portal.getPortal", { portal: "not-there" }, ws.rootKey)).status).toBe(404);
    const other = await newWorkspace();
    const foreign = await call("portal.getPortal", { portal: id }, other.rootKey);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error!.type).toBe(errorType("unkey/data/portal_not_found"));
  });

  it("lists the workspace's portals with pagination, or only those a key may read", async () => {
    const { ws, apiId } = await setup();
    const ids: string[] = [];
    for (const slug of ["one", "two", "three"]) ids.push((await call("portal.createPortal", { slug, apiId }, ws.rootKey)).body.data.portalId);
    const page1 = await call("portal.listPortals", { limit: 2 }, ws.rootKey);
    expect(page1.body.data).toHaveLength(2);
    expect(page1.body.pagination!.hasMore).toBe(true);
    const page2 = await call("portal.listPortals", { limit: 2, cursor: page1.body.pagination!.cursor }, ws.rootKey);
    expect([...page1.body.data, ...page2.body.data].map((p: { id: string }) => p.id)).toEqual([...ids].sort());
    const one = await rootKeyWith(ws.rootKey, [`portal.${ids[1]}.read_portal`]);
    expect((await call("portal.listPortals", {}, one)).body.data.map((p: { id: string }) => p.id)).toEqual([ids[1]]);
    const none = await rootKeyWith(ws.rootKey, ["api.*.read_api"]);
    expect((await call("portal.listPortals", {}, none)).status).toBe(403);
  });

  it("updates branding, slug and enabled; null clears optional fields", async () => {
    const { ws, apiId } = await setup();
    await call("portal.createPortal", { slug: "before", apiId, name: "Old", logoUrl: "https://a.example/l.png" }, ws.rootKey);
    const res = await call("portal.updatePortal", { portal: "before", slug: "after", name: null, primaryColor: "#000000", enabled: false }, ws.rootKey);
    expect(res.status).toBe(200);
    const got = (await call("portal.getPortal", { portal: "after" }, ws.rootKey)).body.data;
    expect(got).toMatchObject({ slug: "after", primaryColor: "#000000", enabled: false, logoUrl: "https://a.example/l.png" });
    expect(got).not.toHaveProperty("name");
    expect(got.updatedAt).toBeGreaterThan(0);
    await call("portal.createPortal", { slug: "other", apiId }, ws.rootKey);
    const clash = await call("portal.updatePortal", { portal: "after", slug: "other" }, ws.rootKey);
    expect(clash.status).toBe(409);
    const log = await env.DB.prepare("SELECT count(*) AS n FROM audit_logs WHERE workspace_id = ? AND event = 'portal.update'")
      .bind(ws.workspaceId)
      .first<{ n: number }>();
    expect(log!.n).toBe(1);
  });

  it("deletes a portal with delete_portal; then it is gone", async () => {
    const { ws, apiId } = await setup();
    const id = (await call("portal.createPortal", { slug: "doomed", apiId }, ws.rootKey)).body.data.portalId;
    const weak = await rootKeyWith(ws.rootKey, [`portal.${id}.update_portal`]);
    expect((await call("portal.deletePortal", { portal: id }, weak)).status).toBe(403);
    const allowed = await rootKeyWith(ws.rootKey, [`portal.${id}.delete_portal`]);
    expect((await call("portal.deletePortal", { portal: id }, allowed)).status).toBe(200);
    expect((await call("portal.getPortal", { portal: id }, ws.rootKey)).status).toBe(404);
    expect((await call("portal.deletePortal", { portal: id }, ws.rootKey)).status).toBe(404);
  });
});
