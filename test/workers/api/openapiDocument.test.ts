import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

/**
 * /openapi.json is what /reference renders: every operation must carry its request body and
 * its responses (success and errors), every `$ref` must resolve inside `components`, and the
 * request fields must be there to render (issue 15, item 7).
 */
async function doc() {
  return (await (await SELF.fetch("http://api.test/openapi.json")).json()) as any;
}

function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, out);
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

const resolve = (d: any, ref: string) =>
  ref
    .replace(/^#\//, "")
    .split("/")
    .reduce((n: any, k) => n?.[k], d);

describe("/openapi.json", () => {
  it("gives every operation a request body and success and error responses, all $refs resolving", async () => {
    const d = await doc();
    const ops = Object.entries(d.paths as Record<string, Record<string, any>>).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, op]) => ({ path, method, op })),
    );
    expect(ops.length).toBeGreaterThan(50);
    const unresolved = refs(d).filter((r) => resolve(d, r) === undefined);
    expect([...new Set(unresolved)]).toEqual([]);
    for (const { path, method, op } of ops) {
      if (method !== "post" || !path.startsWith("/v2/")) continue;
      expect(op.requestBody?.content?.["application/json"]?.schema, path).toBeDefined();
      const success = Object.keys(op.responses ?? {}).find((s) => /^2\d\d$/.test(s));
      expect(success && op.responses[success].content?.["application/json"]?.schema, path).toBeDefined();
      expect(op.responses?.["400"]?.content?.["application/json"]?.schema, path).toBeDefined();
      expect(op.responses?.["500"], path).toBeDefined();
    }
  });

  it("describes keys.verifyKey's request fields and its error responses", async () => {
    const d = await doc();
    const op = d.paths["/v2/keys.verifyKey"].post;
    const body = resolve(d, op.requestBody.content["application/json"].schema.$ref);
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(["key", "permissions"]));
    expect(body.required).toContain("key");
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "429", "500"]));
    const error = resolve(d, op.responses["401"].content["application/json"].schema.$ref);
    expect(Object.keys(error.properties)).toEqual(["meta", "error"]);
    // generic error statuses carry an example envelope
    expect(op.responses["401"].content["application/json"].example.error).toMatchObject({
      status: 401,
      type: "https://unkey.com/docs/errors/unkey/authentication/key_not_found",
    });
    expect(op.responses["400"].content["application/json"].example.error.errors).toHaveLength(1);
  });
});
