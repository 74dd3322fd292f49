import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { call } from "../../../../helpers/harness";
import { createKey, createRole, rbacWorld, TYPE, verify } from "../permissions/fixtures";

/**
 * keys.verifyKey with a permission query, end to end: parse (step 8), evaluate against direct
 * and role-granted permissions (step 10), and the syntax-error 400.
 */
let root: string;
let key: string;
let keyId: string;

beforeAll(async () => {
  const w = await rbacWorld("verify rbac");
  root = w.root;
  await createRole(root, "writer", ["documents.write"]);
  const k = await createKey(root, w.apiId, {
    permissions: ["documents.read", "system:admin:*", "api_v2-test:read"],
    roles: ["writer"],
  });
  key = k.key;
  keyId = k.keyId;
});

describe("keys.verifyKey with a permission query", () => {
  const examples: [string, boolean][] = [
    ["documents.read", true],
    ["documents.read AND documents.write", true],
    ["admin OR (documents.read AND documents.write)", true],
    ["documents.delete OR documents.read AND admin", false],
    ["(documents.delete OR documents.read) AND documents.write", true],
    ["system:admin:* AND api_v2-test:read", true],
    ["documents.*", false],
    ["/api/v1/users OR documents.read", true],
  ];
  for (const [query, valid] of examples) {
    it(`answers ${valid ? "VALID" : "INSUFFICIENT_PERMISSIONS"} for ${JSON.stringify(query)}`, async () => {
      const res = await verify(root, key, query);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        valid,
        code: valid ? "VALID" : "INSUFFICIENT_PERMISSIONS",
        keyId,
        permissions: ["api_v2-test:read", "documents.read", "documents.write", "system:admin:*"],
        roles: ["writer"],
      });
    });
  }

  const syntaxErrors: [string, string][] = [
    ["permission_1 AND", "Unexpected end of query. Expected a permission identifier or opening parenthesis."],
    ["(permission_1 AND permission_2", "Missing closing parenthesis ')' at position 30. Every opening parenthesis must have a matching closing parenthesis."],
    ["permission_1 AND ()", "Empty parentheses found at position 18. Parentheses must contain at least one permission or expression."],
    ["AND permission_1", "Unexpected token 'AND' at position 0. Expected a permission identifier or opening parenthesis."],
    ["a & b", "Invalid character '&' found in query at position 2."],
    ["   ", "Unexpected end of input. Please provide a valid permission query."],
  ];
  for (const [query, detail] of syntaxErrors) {
    it(`answers 400 permissions_query_syntax_error for ${JSON.stringify(query)}`, async () => {
      const res = await verify(root, key, query);
      expect(res.status).toBe(400);
      expect(res.body.error!.type).toBe(TYPE("user/bad_request/permissions_query_syntax_error"));
      expect(res.body.error!.title).toBe("Bad Request");
      expect(res.body.error!.detail).toContain(detail);
      expect(res.body.error!.errors).toEqual([]);
    });
  }

  it("reports a malformed query with 400 even for a disabled key", async () => {
    const w = await rbacWorld("disabled");
    const k = await createKey(w.root, w.apiId, { enabled: false });
    expect((await verify(w.root, k.key, "a AND")).status).toBe(400);
    expect((await verify(w.root, k.key, "a")).body.data.code).toBe("DISABLED");
  });

  it("rejects an empty or over-long query as invalid input", async () => {
    for (const permissions of ["", "a".repeat(1001)]) {
      const res = await call("keys.verifyKey", { key, permissions }, root);
      expect(res.status).toBe(400);
      expect(res.body.error!.type).toBe(TYPE("unkey/application/invalid_input"));
    }
  });

  it("answers malformed queries with the syntax-error 400, never a 500 (property)", async () => {
    const fragment = fc.constantFrom("documents.read", "x", "AND", "or", "(", ")", " ", "&", "|", "!", '"', ",", "é", "()", "\t");
    await fc.assert(
      fc.asyncProperty(fc.array(fragment, { minLength: 1, maxLength: 12 }), async (parts) => {
        const query = parts.join("");
        const res = await verify(root, key, query);
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) {
          expect(res.body.error!.type).toBe(TYPE("user/bad_request/permissions_query_syntax_error"));
        } else {
          expect(["VALID", "INSUFFICIENT_PERMISSIONS"]).toContain(res.body.data.code);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("answers arbitrary strings with 200 or a 400, never a 500 (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", minLength: 1, maxLength: 40 }), async (query) => {
        const res = await verify(root, key, query);
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: 40 },
    );
  });
});
