import { describe, expect, it } from "vitest";
import { call, errorType, newWorkspace } from "../../helpers/harness";

/** errors[].location is the JSON-Schema keyword location in the request schema, as Unkey reports it. */
describe("validation error locations", () => {
  it("a name that is too short points at /properties/name/minLength with Unkey's message", async () => {
    const ws = await newWorkspace();
    const res = await call("apis.createApi", { name: "ab" }, ws.rootKey);
    expect(res.status).toBe(400);
    expect(res.body.error?.type).toBe(errorType("unkey/application/invalid_input"));
    expect(res.body.error?.errors).toEqual([{ location: "/properties/name/minLength", message: "minLength: got 2, want 3" }]);
  });

  it("a missing required field points at /required", async () => {
    const ws = await newWorkspace();
    const res = await call("apis.createApi", {}, ws.rootKey);
    expect(res.status).toBe(400);
    expect(res.body.error?.errors).toEqual([{ location: "/required", message: "missing property 'name'" }]);
    const two = await call("rootKeys.createRootKey", {}, ws.rootKey);
    expect(two.body.error?.errors).toEqual([{ location: "/required", message: "missing properties 'name', 'permissions'" }]);
  });

  it("nested fields go through properties and items", async () => {
    const ws = await newWorkspace();
    const res = await call("rootKeys.createRootKey", { name: "n", permissions: ["ok", ""] }, ws.rootKey);
    expect(res.body.error?.errors).toEqual([{ location: "/properties/permissions/items/minLength", message: "minLength: got 0, want 1" }]);
    const nested = await call("keys.createKey", { apiId: "api_123", ratelimits: [{ name: "requests", limit: 1 }] }, ws.rootKey);
    expect(nested.status).toBe(400);
    expect(nested.body.error?.errors).toEqual([{ location: "/properties/ratelimits/items/required", message: "missing property 'duration'" }]);
  });

  it("wrong types, patterns, bounds and unknown fields name their keyword", async () => {
    const ws = await newWorkspace();
    const type = await call("rootKeys.createRootKey", { name: "n", permissions: "x" }, ws.rootKey);
    expect(type.body.error?.errors).toEqual([{ location: "/properties/permissions/type", message: "got string, want array" }]);
    const pattern = await call("keys.createKey", { apiId: "api 1" }, ws.rootKey);
    expect(pattern.body.error?.errors).toEqual([{ location: "/properties/apiId/pattern", message: "'api 1' does not match pattern '^[a-zA-Z0-9_]+$'" }]);
    const min = await call("keys.createKey", { apiId: "api_1", byteLength: 8 }, ws.rootKey);
    expect(min.body.error?.errors).toEqual([{ location: "/properties/byteLength/minimum", message: "minimum: got 8, want 16" }]);
    const int = await call("keys.createKey", { apiId: "api_1", byteLength: 16.5 }, ws.rootKey);
    expect(int.body.error?.errors).toEqual([{ location: "/properties/byteLength/type", message: "got number, want integer" }]);
    const extra = await call("apis.createApi", { name: "abc", extra: 1 }, ws.rootKey);
    expect(extra.body.error?.errors).toEqual([{ location: "/additionalProperties", message: "additional properties 'extra' not allowed" }]);
  });

  it("every 400 carries errors[], possibly empty", async () => {
    const ws = await newWorkspace();
    const res = await call("apis.createApi", "{not json", ws.rootKey);
    expect(res.status).toBe(400);
    expect(res.body.error?.errors).toEqual([]);
  });
});
