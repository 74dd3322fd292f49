import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("portal routes in /openapi.json", () => {
  it("documents every portal route with the contract's request fields and auth", async () => {
    const doc = (await (await SELF.fetch("http://api.test/openapi.json")).json()) as any;
    const body = (op: string) => {
      const ref = doc.paths[`/v2/${op}`].post.requestBody.content["application/json"].schema;
      return ref.$ref ? doc.components.schemas[ref.$ref.split("/").pop()] : ref;
    };
    for (const op of [
      "createSession",
      "exchangeCode",
      "listKeys",
      "rerollKey",
      "getVerifications",
      "createPortal",
      "getPortal",
      "listPortals",
      "updatePortal",
      "deletePortal",
    ]) {
      expect(doc.paths, op).toHaveProperty([`/v2/portal.${op}`]);
    }
    expect(body("portal.createSession").required).toEqual(["portal", "externalId", "scopes"]);
    expect(body("portal.createSession").properties.scopes.items.enum).toEqual(["keys:read", "keys:create", "keys:reroll", "analytics:read"]);
    expect(body("portal.exchangeCode").required).toEqual(["code"]);
    expect(body("portal.rerollKey").required).toEqual(["keyId", "expiration"]);
    expect(body("portal.getVerifications").required).toEqual(["startTime", "endTime"]);
    expect(body("portal.listKeys").additionalProperties).toBe(false);
    for (const op of ["listKeys", "rerollKey", "getVerifications"]) {
      expect(doc.paths[`/v2/portal.${op}`].post.security).toEqual([{ portalSession: [] }]);
    }
    expect(doc.paths["/v2/portal.exchangeCode"].post.security).toEqual([]);
    expect(doc.components.securitySchemes.portalSession).toMatchObject({ type: "apiKey", in: "cookie", name: "portal_session" });
  });
});
