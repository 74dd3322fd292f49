import { describe, expect, it } from "vitest";
import { compileSpec, parseSpecText, SpecError, validateRequest } from "../../../workers/sentinel/openapi";
import { Rejection } from "../../../workers/sentinel/errors";
import { redactBody } from "../../../workers/sentinel/redact";

const doc = {
  openapi: "3.0.3",
  info: { title: "t", version: "1" },
  components: {
    schemas: {
      Item: {
        type: "object",
        required: ["name"],
        properties: { name: { type: "string" }, note: { type: "string", nullable: true }, secret: { type: "string", "x-unkey-redact": true } },
      },
    },
  },
  paths: {
    "/items": {
      get: {
        parameters: [
          { name: "limit", in: "query", schema: { type: "integer", maximum: 50 } },
          { name: "x-team", in: "header", required: true, schema: { type: "string" } },
        ],
      },
      post: { requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/Item" } } } } },
    },
    "/items/{id}": { get: { parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }] } },
    "/items/special": { get: {} },
  },
};

const spec = compileSpec(doc);
const check = async (method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) => {
  const url = new URL(`https://h${path}`);
  const request = new Request(url, { method, headers: init.headers, body: init.body });
  try {
    await validateRequest(spec, { method, path: url.pathname, url, headers: new Headers(init.headers) }, request);
    return "ok";
  } catch (e) {
    if (e instanceof Rejection) return `${e.status}: ${e.detail}`;
    throw e;
  }
};

describe("OpenAPI request validation", () => {
  it("accepts requests that match an operation", async () => {
    expect(await check("GET", "/items?limit=10", { headers: { "x-team": "a" } })).toBe("ok");
    expect(await check("GET", "/items/7")).toBe("ok");
    expect(await check("GET", "/items/special")).toBe("ok");
    expect(await check("POST", "/items", { headers: { "content-type": "application/json" }, body: '{"name":"pen","note":null}' })).toBe("ok");
  });

  it("rejects unknown operations, bad parameters, missing headers and invalid bodies with 400", async () => {
    expect(await check("DELETE", "/items")).toMatch(/^400: .*no operation matches/);
    expect(await check("GET", "/items/abc")).toMatch(/^400: .*path parameter 'id'/);
    expect(await check("GET", "/items?limit=99", { headers: { "x-team": "a" } })).toMatch(/^400: .*query parameter 'limit'/);
    expect(await check("GET", "/items")).toMatch(/^400: .*missing required header parameter 'x-team'/);
    expect(await check("POST", "/items", { headers: { "content-type": "application/json" }, body: '{"note":"x"}' })).toMatch(
      /^400: Request body validation failed/,
    );
    expect(await check("POST", "/items", { headers: { "content-type": "text/plain" }, body: "hi" })).toMatch(/^400: .*content type 'text\/plain'/);
    expect(await check("POST", "/items", { headers: { "content-type": "application/json" }, body: "{" })).toMatch(/not valid JSON/);
  });

  it("reads YAML documents and refuses documents it cannot use", () => {
    expect(parseSpecText("openapi: 3.1.0\npaths: {}\n").openapi).toBe("3.1.0");
    expect(() => parseSpecText("just text")).toThrow(SpecError);
    expect(() => compileSpec({ openapi: "3.1.0", paths: { "/x": { get: { parameters: [{ $ref: "#/nope" }] } } } })).toThrow(SpecError);
  });

  it("redacts x-unkey-redact properties in logged bodies", () => {
    const out = redactBody({ name: "pen", secret: "4111" }, doc.components.schemas.Item, null);
    expect(out).toEqual({ name: "pen", secret: "[REDACTED]" });
  });
});
