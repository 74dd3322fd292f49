import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, type TestServer } from "./helpers/server";

let server: TestServer;
beforeAll(async () => {
  server = await startApi();
});
afterAll(async () => {
  await server?.stop();
});

async function post(path: string, body: unknown, token: string) {
  const res = await fetch(`${server.url}/v2/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("wrangler dev: the foundation flow a user runs with curl", () => {
  it("workspace → root key → API → get → list keys → delete", async () => {
    const ws = await server.newWorkspace();
    const scoped = await post(
      "rootKeys.createRootKey",
      { name: "ci", permissions: ["api.*.create_api", "api.*.read_api", "api.*.read_key", "api.*.delete_api"] },
      ws.rootKey,
    );
    expect(scoped.status).toBe(200);
    const key = scoped.body.data.key as string;
    const created = await post("apis.createApi", { name: "payments" }, key);
    expect(created.status).toBe(200);
    const apiId = created.body.data.apiId;
    expect((await post("apis.getApi", { apiId }, key)).body.data).toMatchObject({ id: apiId, name: "payments" });
    const list = await post("apis.listKeys", { apiId }, key);
    expect(list.body).toMatchObject({ data: [], pagination: { hasMore: false } });
    expect((await post("apis.deleteApi", { apiId }, key)).status).toBe(200);
    expect((await post("apis.getApi", { apiId }, key)).status).toBe(404);
  });

  it("serves the generated OpenAPI document and the reference page", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as any;
    expect(Object.keys(doc.paths)).toContain("/v2/apis.createApi");
    const page = await fetch(`${server.url}/reference`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/reference/assets/scalar-api-reference.js");
    // wrangler dev serves the renderer from the static assets ([assets] in wrangler.toml)
    const script = await fetch(`${server.url}/reference/assets/scalar-api-reference.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });
});
