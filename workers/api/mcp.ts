import type { Context } from "hono";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { App } from "./route";
import type { AppEnv } from "../lib/env";
import { ApiError } from "../lib/errors";
import { authenticateRootKey } from "../lib/auth/rootKey";
import { mcpToolsFromOpenApi, type McpServerKind, type McpToolDef } from "../lib/mcp/tools";

/** Unkey's header names for the root key, per server; `Authorization: Bearer` works on both. */
const KEY_HEADER: Record<McpServerKind, string> = {
  v2: "MCP-UNKEY-BEARER-AUTH",
  ratelimits: "MCP-UNKEY-V2-ROOT-KEY",
};

/** Headers of the MCP request that the internal API request keeps: who is calling, from where. */
const FORWARDED = ["cf-connecting-ip", "x-forwarded-for", "user-agent"];

/**
 * The MCP servers `/mcp/v2` and `/mcp/ratelimits` (Streamable HTTP, stateless, JSON responses).
 * Each tool call is dispatched as an internal request through this same app, so it runs the
 * route's own validation, permission checks, audit logging and errors; nothing is duplicated.
 */
export function registerMcp(app: App) {
  let tools: Record<McpServerKind, Map<string, McpToolDef>> | undefined;
  // built on first use, when every route is registered; the same document /openapi.json serves
  const toolsOf = (kind: McpServerKind) => {
    tools ??= buildTools(app);
    return tools[kind];
  };

  for (const kind of ["v2", "ratelimits"] as const) {
    const paths = [`/mcp/${kind}`, `/mcp/${kind}/`];
    app.on(["GET", "DELETE"], paths, () =>
      // stateless: no session to stream to or to end
      Response.json({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed." }, id: null }, { status: 405, headers: { allow: "POST" } }),
    );
    app.post(paths[0]!, (c) => serve(c, kind));
    app.post(paths[1]!, (c) => serve(c, kind));
  }

  async function serve(c: Context<AppEnv>, kind: McpServerKind): Promise<Response> {
    const rootKey = mcpRootKey(c, kind);
    // a bad key is refused before any MCP message, as an HTTP error in our envelope
    await authenticateRootKey(c.env, c.var.scope.cache, rootKey);
    const byName = toolsOf(kind);

    const server = new Server(
      { name: `keyforge-${kind}`, version: "2.0.0" },
      { capabilities: { tools: { listChanged: false } }, jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
    );
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [...byName.values()].map((t) => ({
        name: t.name,
        title: t.title,
        description: t.description,
        inputSchema: t.inputSchema,
        annotations: t.annotations,
      })),
    }));
    server.setRequestHandler(CallToolRequestSchema, async (req): Promise<CallToolResult> => {
      const tool = byName.get(req.params.name);
      if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${req.params.name}`);
      const res = await app.fetch(internalRequest(c, tool.path, rootKey, req.params.arguments ?? {}), c.env, c.executionCtx);
      const text = await res.text();
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // every /v2 route answers JSON; anything else is passed on as it came, as an error
      }
      // our envelope either way: `{ meta, data }` on success, `{ meta, error }` as a tool error
      const isError = res.status >= 400 || !body;
      return { content: [{ type: "text", text }], ...(body ? { structuredContent: body } : {}), isError };
    });

    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    return transport.handleRequest(c.req.raw);
  }
}

function buildTools(app: App): Record<McpServerKind, Map<string, McpToolDef>> {
  const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "Keyforge API", version: "2.0.0" } });
  const index = (kind: McpServerKind) => new Map(mcpToolsFromOpenApi(doc as never, kind).map((t) => [t.name, t]));
  return { v2: index("v2"), ratelimits: index("ratelimits") };
}

/** The root key from Unkey's MCP header (with or without "Bearer ") or `Authorization: Bearer`. */
function mcpRootKey(c: Context<AppEnv>, kind: McpServerKind): string {
  const own = c.req
    .header(KEY_HEADER[kind])
    ?.trim()
    .replace(/^Bearer\s+/i, "");
  if (own) return own;
  const auth = c.req.header("authorization")?.trim();
  const bearer = auth && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, "").trim() : "";
  if (bearer) return bearer;
  throw new ApiError("unkey/authentication/missing", `Send your root key in the ${KEY_HEADER[kind]} header or as 'Authorization: Bearer <ROOT_KEY>'.`);
}

function internalRequest(c: Context<AppEnv>, path: string, rootKey: string, args: unknown): Request {
  const headers = new Headers({ authorization: `Bearer ${rootKey}`, "content-type": "application/json" });
  for (const h of FORWARDED) {
    const v = c.req.header(h);
    if (v !== undefined) headers.set(h, v);
  }
  return new Request(new URL(path, c.req.url), { method: "POST", headers, body: JSON.stringify(args) });
}
