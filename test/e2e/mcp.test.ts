import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startApi, type TestServer } from "./helpers/server";

/**
 * The MCP servers (/mcp/v2, /mcp/ratelimits) driven by the official MCP SDK client over
 * Streamable HTTP against the running API Worker.
 */
let server: TestServer;
let ws: { workspaceId: string; rootKey: string; rootKeyId: string };
const clients: Client[] = [];

async function connect(path: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: "keyforge-e2e", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(path, server.url), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

type Envelope = { meta: { requestId: string }; data?: any; error?: { status: number; type: string; detail: string } };
async function call(client: Client, name: string, args: Record<string, unknown>) {
  const res = await client.callTool({ name, arguments: args });
  const text = (res.content as { type: string; text: string }[])[0]!.text;
  return { isError: res.isError === true, body: JSON.parse(text) as Envelope };
}

async function http(path: string, rootKey: string, body: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Envelope };
}

beforeAll(async () => {
  server = await startApi();
  ws = await server.newWorkspace("mcp");
});

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await server?.stop();
});

describe("/mcp/v2", () => {
  it("lists one tool per root-key operation of /openapi.json, with hints and the route's input schema", async () => {
    const client = await connect("/mcp/v2", { "MCP-UNKEY-BEARER-AUTH": ws.rootKey });
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);

    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId: string; security?: object[] }>>;
    };
    const rootKeyOps = Object.values(doc.paths)
      .flatMap((item) => Object.values(item))
      .filter((op) => op.security?.some((s) => "rootKey" in s))
      .map((op) => op.operationId.replace(/\./g, "_"));
    expect(names.sort()).toEqual(rootKeyOps.sort());
    for (const n of names) expect(n).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    // operator, portal-session and unauthenticated operations are not tools
    for (const n of ["workspaces_createWorkspace", "portal_listKeys", "portal_rerollKey", "portal_exchangeCode", "github_secretScanning", "liveness"]) {
      expect(names).not.toContain(n);
    }
    // our extensions are
    expect(names).toEqual(expect.arrayContaining(["portal_createPortal", "rootKeys_createRootKey", "audit_listLogs", "deployments_listDeployments"]));

    const verify = tools.find((t) => t.name === "keys_verifyKey")!;
    expect(verify.description).toBeTruthy();
    expect(verify.annotations).toMatchObject({ readOnlyHint: true });
    expect(verify.inputSchema).toMatchObject({ type: "object", required: ["key"], properties: { key: { type: "string" } } });
    expect(tools.find((t) => t.name === "apis_deleteApi")!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(tools.find((t) => t.name === "keys_whoami")!.annotations).toMatchObject({ readOnlyHint: true });
    expect(tools.find((t) => t.name === "keys_createKey")!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
  });

  it("creates an API and a key, verifies it, and audits the MCP caller as the actor", async () => {
    // a client's own X-Forwarded-For does not choose the audited address (no TRUSTED_PROXIES)
    const client = await connect("/mcp/v2/", { authorization: `Bearer ${ws.rootKey}`, "user-agent": "mcp-e2e-agent/1.0", "x-forwarded-for": "203.0.113.9" });
    const api = await call(client, "apis_createApi", { name: "mcp-api" });
    expect(api.isError).toBe(false);
    const apiId = api.body.data.apiId as string;
    expect(apiId).toMatch(/^api_/);

    const key = await call(client, "keys_createKey", { apiId, prefix: "mcp", permissions: ["docs.read"] });
    expect(key.isError).toBe(false);
    const verified = await call(client, "keys_verifyKey", { key: key.body.data.key, permissions: "docs.read" });
    expect(verified).toMatchObject({ isError: false, body: { data: { valid: true, code: "VALID", keyId: key.body.data.keyId } } });

    // the same audit actor and caller as the HTTP route would record
    const logs = await http("/v2/audit.listLogs", ws.rootKey, { events: ["api.create"] });
    const entry = logs.body.data.find((l: { targets: { id: string }[] }) => l.targets.some((t) => t.id === apiId));
    expect(entry).toMatchObject({ actor: { type: "rootkey", id: ws.rootKeyId }, userAgent: "mcp-e2e-agent/1.0", location: "127.0.0.1" });
  });

  it("answers a missing permission with a tool error carrying the 403 envelope", async () => {
    const limited = await http("/v2/rootKeys.createRootKey", ws.rootKey, { name: "read-only", permissions: ["api.*.read_api"] });
    expect(limited.status).toBe(200);
    const client = await connect("/mcp/v2", { "MCP-UNKEY-BEARER-AUTH": limited.body.data.key });
    const res = await call(client, "apis_createApi", { name: "not-allowed" });
    expect(res.isError).toBe(true);
    expect(res.body.meta.requestId).toMatch(/^req_/);
    expect(res.body.error).toMatchObject({ status: 403, type: expect.stringContaining("insufficient_permissions") });
    // the operator's workspaces.* are not tools, whatever the key
    await expect(client.callTool({ name: "workspaces_createWorkspace", arguments: { name: "x" } })).rejects.toThrow(/Unknown tool/);
    // bad input is the route's own 400, as a tool error
    const bad = await call(client, "apis_getApi", { apiId: "", extra: 1 });
    expect(bad).toMatchObject({ isError: true, body: { error: { status: 400, type: expect.stringContaining("invalid_input") } } });
  });

  it("refuses a wrong or missing root key before any MCP message, in the error envelope", async () => {
    const init = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    };
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/mcp/v2`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body: JSON.stringify(init),
      });
    const wrong = await post({ "MCP-UNKEY-BEARER-AUTH": "unkey_not_a_real_key" });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as Envelope).error?.type).toContain("key_not_found");
    const missing = await post({});
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as Envelope).error?.type).toContain("authentication/missing");
    await expect(connect("/mcp/v2", { authorization: "Bearer unkey_not_a_real_key" })).rejects.toThrow();
    // stateless: no stream to open (GET) and no session to end (DELETE)
    const get = await fetch(`${server.url}/mcp/v2`, { headers: { accept: "text/event-stream", "MCP-UNKEY-BEARER-AUTH": ws.rootKey } });
    expect(get.status).toBe(405);
  });
});

describe("/mcp/ratelimits", () => {
  it("lists only the rate-limit operations and limits with the root key in MCP-UNKEY-V2-ROOT-KEY", async () => {
    const client = await connect("/mcp/ratelimits/", { "MCP-UNKEY-V2-ROOT-KEY": ws.rootKey });
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual([
      "ratelimit_deleteNamespace",
      "ratelimit_deleteOverride",
      "ratelimit_getOverride",
      "ratelimit_limit",
      "ratelimit_listOverrides",
      "ratelimit_multiLimit",
      "ratelimit_setOverride",
    ]);
    const first = await call(client, "ratelimit_limit", { namespace: "mcp", identifier: "u1", limit: 1, duration: 60_000 });
    expect(first).toMatchObject({ isError: false, body: { data: { success: true, remaining: 0 } } });
    const second = await call(client, "ratelimit_limit", { namespace: "mcp", identifier: "u1", limit: 1, duration: 60_000 });
    expect(second).toMatchObject({ isError: false, body: { data: { success: false } } });
    // a v2-only tool is not served here
    await expect(client.callTool({ name: "apis_createApi", arguments: { name: "x" } })).rejects.toThrow(/Unknown tool/);
  });
});
