import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newWorkspace } from "../../helpers/harness";

describe("envelope and request pipeline", () => {
  it("liveness answers without auth and carries a request id", async () => {
    const res = await SELF.fetch("http://api.test/v2/liveness");
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.data.message).toBe("OK");
    expect(body.meta.requestId).toMatch(/^req_/);
    expect(res.headers.get("X-Unkey-Request-Id")).toBe(body.meta.requestId);
  });

  it("an unknown route is a 404 in the error envelope", async () => {
    const res = await call("nope.nothing", {}, "x");
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ status: 404, title: "Not Found" });
    expect(res.body.meta.requestId).toMatch(/^req_/);
  });

  it("malformed JSON is a 400 request_body_unreadable", async () => {
    const ws = await newWorkspace();
    const res = await call("apis.createApi", "{not json", ws.rootKey);
    expect(res.status).toBe(400);
    expect(res.body.error?.type).toBe(errorType("user/bad_request/request_body_unreadable"));
    expect(res.body.error?.errors).toEqual([]);
  });

  it("schema failures list one errors[] entry per field", async () => {
    const ws = await newWorkspace();
    const res = await call("rootKeys.createRootKey", { name: "", permissions: "x" }, ws.rootKey);
    expect(res.status).toBe(400);
    expect(res.body.error?.type).toBe(errorType("unkey/application/invalid_input"));
    expect(res.body.error?.detail).toBe("POST request body for '/v2/rootKeys.createRootKey' failed to validate schema");
    expect(res.body.error?.errors?.map((e) => e.location).sort()).toEqual(["/properties/name/minLength", "/properties/permissions/type"]);
  });

  it("unknown body fields are rejected", async () => {
    const ws = await newWorkspace();
    const res = await call("apis.createApi", { name: "abc", extra: 1 }, ws.rootKey);
    expect(res.status).toBe(400);
    expect(res.body.error?.type).toBe(errorType("unkey/application/invalid_input"));
  });

  it("a body over 10 MiB is a 413", async () => {
    const ws = await newWorkspace();
    const res = await call("apis.createApi", JSON.stringify({ name: "x".repeat(10 * 1024 * 1024 + 10) }), ws.rootKey);
    expect(res.status).toBe(413);
    expect(res.body.error?.type).toBe(errorType("user/bad_request/request_body_too_large"));
  });

  it("a JSON body sent without a JSON content type is still parsed", async () => {
    const ws = await newWorkspace();
    const res = await SELF.fetch("http://api.test/v2/apis.createApi", {
      method: "POST",
      headers: { authorization: `Bearer ${ws.rootKey}`, "content-type": "application/x-www-form-urlencoded" },
      body: JSON.stringify({ name: "curl default" }),
    });
    expect(res.status).toBe(200);
  });

  it("serves an OpenAPI 3.1 document generated from the routes, and a reference page", async () => {
    const doc = (await (await SELF.fetch("http://api.test/openapi.json")).json()) as any;
    expect(doc.openapi).toBe("3.1.0");
    for (const p of [
      "/v2/liveness",
      "/v2/apis.createApi",
      "/v2/apis.getApi",
      "/v2/apis.deleteApi",
      "/v2/apis.listKeys",
      "/v2/workspaces.createWorkspace",
      "/v2/rootKeys.createRootKey",
    ]) {
      expect(doc.paths).toHaveProperty([p]);
    }
    expect(doc.components.schemas.V2ApisCreateApiRequestBody.additionalProperties).toBe(false);
    const page = await SELF.fetch("http://api.test/reference");
    expect(page.headers.get("content-type")).toContain("text/html");
    const text = await page.text();
    expect(text).toContain('"url":"/openapi.json"');
    expect(text).toContain('src="/reference/assets/scalar-api-reference.js"');
    // the renderer comes from the Worker's static assets, not from a CDN
    expect(text).not.toMatch(/src="https?:/);
    const script = await SELF.fetch("http://api.test/reference/assets/scalar-api-reference.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect(await script.text()).toContain("createApiReference");
    const missing = await SELF.fetch("http://api.test/reference/assets/nope.js");
    expect(missing.status).toBe(404);
  });
});
