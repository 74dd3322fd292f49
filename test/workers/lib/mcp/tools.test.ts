import { describe, expect, it } from "vitest";
import { mcpToolsFromOpenApi } from "../../../../workers/lib/mcp/tools";

/** The tool list is derived from an OpenAPI document: which operations, names, hints, schemas. */
const op = (operationId: string, security: object[], schemaRef: string, tag = operationId.split(".")[0]) => ({
  post: {
    operationId,
    summary: `${operationId} summary`,
    description: "More words.",
    tags: [tag],
    security,
    requestBody: { content: { "application/json": { schema: { $ref: `#/components/schemas/${schemaRef}` } } } },
  },
});

const doc = {
  paths: {
    "/v2/keys.verifyKey": op("keys.verifyKey", [{ rootKey: [] }], "Verify"),
    "/v2/apis.deleteApi": op("apis.deleteApi", [{ rootKey: [] }], "Plain"),
    "/v2/ratelimit.limit": op("ratelimit.limit", [{ rootKey: [] }], "Plain"),
    "/v2/workspaces.createWorkspace": op("workspaces.createWorkspace", [{ adminKey: [] }], "Plain"),
    "/v2/portal.listKeys": op("portal.listKeys", [{ portalSession: [] }], "Plain"),
    "/v2/portal.exchangeCode": op("portal.exchangeCode", [], "Plain"),
    "/v2/liveness": { get: { operationId: "liveness", security: [] } },
  },
  components: {
    schemas: {
      Verify: { type: "object", properties: { key: { type: "string" }, tree: { $ref: "#/components/schemas/Tree" } }, required: ["key"] },
      Tree: { type: "object", properties: { child: { $ref: "#/components/schemas/Tree" } } },
      Plain: { type: "object", properties: {} },
    },
  },
};

describe("mcpToolsFromOpenApi", () => {
  it("offers root-key operations only, named with _ for .", () => {
    expect(mcpToolsFromOpenApi(doc, "v2").map((t) => t.name)).toEqual(["keys_verifyKey", "apis_deleteApi", "ratelimit_limit"]);
    expect(mcpToolsFromOpenApi(doc, "ratelimits").map((t) => t.name)).toEqual(["ratelimit_limit"]);
  });

  it("inlines $refs (a recursive schema stops at its first repeat) and sets the hints", () => {
    const [verify, del, limit] = mcpToolsFromOpenApi(doc, "v2");
    expect(verify!.inputSchema).toEqual({
      type: "object",
      properties: { key: { type: "string" }, tree: { type: "object", properties: { child: {} } } },
      required: ["key"],
    });
    expect(verify!.description).toBe("keys.verifyKey summary\n\nMore words.");
    expect(verify!.annotations).toMatchObject({ readOnlyHint: true });
    expect(verify!.annotations.destructiveHint).toBeUndefined();
    expect(del!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(limit!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(verify!.path).toBe("/v2/keys.verifyKey");
  });
});
