import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { HTTPClient, Unkey } from "@unkey/api";
import * as errors from "@unkey/api/models/errors";
import { ADMIN_KEY, call, newWorkspace, rootKeyWith } from "../../helpers/harness";

/** Unkey's own SDK against the Worker, in the runtime: which error class each status raises. */
function sdk(rootKey: string) {
  return new Unkey({ serverURL: "http://api.test", rootKey, httpClient: new HTTPClient({ fetcher: (req) => SELF.fetch(req as Request) }) });
}

async function raised(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    return e as errors.UnkeyError;
  }
  throw new Error("expected the SDK to throw");
}

describe("problem+json and what @unkey/api raises per status", () => {
  it("errors are application/problem+json only when Accept names it", async () => {
    const ws = await newWorkspace();
    const plain = await call("apis.getApi", { apiId: "api_missing" }, ws.rootKey);
    expect(plain.status).toBe(404);
    expect(plain.headers.get("content-type")).toBe("application/json");
    for (const accept of ["*/*", "application/json", "application/json, application/problem+json;q=0.5", "application/problem+json;q=0"]) {
      const res = await call("apis.getApi", { apiId: "api_missing" }, ws.rootKey, { accept });
      expect(res.headers.get("content-type"), accept).toBe("application/json");
    }
    for (const accept of ["application/problem+json", "application/problem+json, application/json", "application/json;q=0.5, application/problem+json"]) {
      const res = await call("apis.getApi", { apiId: "api_missing" }, ws.rootKey, { accept });
      expect(res.headers.get("content-type"), accept).toBe("application/problem+json");
      expect(res.body.error?.type).toBe("https://unkey.com/docs/errors/unkey/data/api_not_found");
    }
  });

  it("each error status raises its SDK error class; 429 (sent as application/json to the SDK's Accept) raises APIError", async () => {
    const ws = await newWorkspace();
    const unkey = sdk(ws.rootKey);
    expect(await raised(unkey.apis.createApi({ name: "ab" }))).toBeInstanceOf(errors.BadRequestErrorResponse);
    expect(await raised(sdk("unkey_not_a_key").apis.createApi({ name: "abc" }))).toBeInstanceOf(errors.UnauthorizedErrorResponse);
    const weak = await rootKeyWith(ws.rootKey, []);
    expect(await raised(sdk(weak).apis.createApi({ name: "abc" }))).toBeInstanceOf(errors.ForbiddenErrorResponse);
    expect(await raised(unkey.apis.getApi({ apiId: "api_missing" }))).toBeInstanceOf(errors.NotFoundErrorResponse);
    await unkey.identities.createIdentity({ externalId: "dup" });
    expect(await raised(unkey.identities.createIdentity({ externalId: "dup" }))).toBeInstanceOf(errors.ConflictErrorResponse);
    const { data: api } = await unkey.apis.createApi({ name: "protected" });
    await call("apis.updateApi", { apiId: api.apiId, deleteProtection: true }, ws.rootKey);
    expect(await raised(unkey.apis.deleteApi({ apiId: api.apiId }))).toBeInstanceOf(errors.PreconditionFailedErrorResponse);
    await unkey.ratelimit.limit({ namespace: "old", identifier: "u", limit: 5, duration: 1000 });
    await call("ratelimit.deleteNamespace", { namespace: "old" }, ws.rootKey);
    expect(await raised(unkey.ratelimit.limit({ namespace: "old", identifier: "u", limit: 5, duration: 1000 }))).toBeInstanceOf(errors.GoneErrorResponse);
    await call("workspaces.updateWorkspace", { workspaceId: ws.workspaceId, apiRateLimitPerMinute: 0 }, ADMIN_KEY);
    const limited = await raised(unkey.apis.getApi({ apiId: "api_missing" }));
    expect(limited).toBeInstanceOf(errors.APIError);
    expect(limited.statusCode).toBe(429);
  });
});
