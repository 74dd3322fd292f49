import { describe, expect, it } from "vitest";
import { call, errorType, newWorkspace } from "../../../../helpers/harness";

/** Only the limits Unkey's spec states: apis.listKeys has no maxLength on apiId or externalId. */
describe("apis.listKeys id limits", () => {
  it("a 300-character apiId is not found (404 api_not_found), not a validation error", async () => {
    const ws = await newWorkspace();
    const res = await call("apis.listKeys", { apiId: "a".repeat(300) }, ws.rootKey);
    expect(res.status).toBe(404);
    expect(res.body.error?.type).toBe(errorType("unkey/data/api_not_found"));
  });

  it("a 2 MB apiId is not found either (404, neither 400 nor 500)", async () => {
    const ws = await newWorkspace();
    const res = await call("apis.listKeys", { apiId: "a".repeat(2 * 1024 * 1024) }, ws.rootKey);
    expect(res.status).toBe(404);
    expect(res.body.error?.type).toBe(errorType("unkey/data/api_not_found"));
  });

  it("an empty apiId is still refused (the spec says minLength 1)", async () => {
    const ws = await newWorkspace();
    const res = await call("apis.listKeys", { apiId: "" }, ws.rootKey);
    expect(res.status).toBe(400);
    expect(res.body.error?.errors).toEqual([{ location: "/properties/apiId/minLength", message: "minLength: got 0, want 1" }]);
  });

  it("a 300-character externalId passes validation and matches no identity", async () => {
    const ws = await newWorkspace();
    const api = await call("apis.createApi", { name: "limits" }, ws.rootKey);
    const res = await call("apis.listKeys", { apiId: api.body.data.apiId, externalId: "e".repeat(300) }, ws.rootKey);
    expect(res.status).not.toBe(400);
    expect(res.status).toBeLessThan(500);
  });
});
