import { describe, expect, it } from "vitest";
import { and, apiAction, canDelegate, describeMissing, exactly, or, satisfies } from "../../../../workers/lib/auth/permissions";

const grants = (...p: string[]) => ({ fullAccess: false, permissions: new Set(p) });

describe("permission matching (keys-and-apis §7.5)", () => {
  it("matches exact tuples and the api.* alternative, nothing else", () => {
    expect(satisfies(grants("api.*.read_api"), apiAction("api_1", "read_api"))).toBe(true);
    expect(satisfies(grants("api.api_1.read_api"), apiAction("api_1", "read_api"))).toBe(true);
    expect(satisfies(grants("api.api_2.read_api"), apiAction("api_1", "read_api"))).toBe(false);
    for (const wild of ["*", "api.*.*", "api.*", "api.api_1.*"]) {
      expect(satisfies(grants(wild), apiAction("api_1", "read_api"))).toBe(false);
    }
  });

  it("full access passes every requirement", () => {
    expect(satisfies({ fullAccess: true, permissions: new Set() }, and("x.*.y", or("a", "b")))).toBe(true);
  });

  it("describes missing permissions in Unkey's words: Or(...) even with one alternative, the single form for a plain tuple or And", () => {
    expect(describeMissing("rbac.*.delete_permission")).toBe("Missing one of these permissions: rbac.*.delete_permission");
    expect(describeMissing(exactly("api.*.create_api"))).toBe("Missing permission: 'api.*.create_api'");
    expect(describeMissing(and("a.*.x", "b.*.y"), grants("a.*.x"))).toBe("Missing permission: 'b.*.y'");
    expect(describeMissing(and("a.*.x", "b.*.y"), grants())).toBe("Missing permission: 'a.*.x'");
    expect(describeMissing(apiAction("api_1", "delete_api"))).toBe("Missing one of these permissions: api.*.delete_api or api.api_1.delete_api");
  });

  it("a key can only delegate what it holds (exactly or via the * id slot)", () => {
    const g = grants("api.*.read_key", "api.api_1.create_key");
    expect(canDelegate(g, "api.*.read_key")).toBe(true);
    expect(canDelegate(g, "api.api_9.read_key")).toBe(true);
    expect(canDelegate(g, "api.api_1.create_key")).toBe(true);
    expect(canDelegate(g, "api.*.create_key")).toBe(false);
    expect(canDelegate(g, "*")).toBe(false);
    expect(canDelegate(g, "workspace.*.create_root_key")).toBe(false);
  });
});
