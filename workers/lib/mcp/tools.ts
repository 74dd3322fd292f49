/**
 * MCP tools derived from our OpenAPI document (the one /openapi.json serves), so the MCP
 * servers never keep a second list of operations: one tool per root-key operation, named after
 * its operation id, described and typed by its route definition.
 */

export interface McpToolDef {
  /** operation id with "." → "_", e.g. keys_verifyKey (MCP names: [A-Za-z0-9_-]{1,64}) */
  name: string;
  operationId: string;
  /** the HTTP route the tool calls, e.g. /v2/keys.verifyKey */
  path: string;
  title?: string;
  description: string;
  inputSchema: { type: "object"; [k: string]: unknown };
  annotations: { title?: string; readOnlyHint: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint: boolean };
}

/** Which operations a server offers: `v2` every root-key operation, `ratelimits` the rate-limit group. */
export type McpServerKind = "v2" | "ratelimits";

type Json = Record<string, unknown>;
interface OpenApiDoc {
  paths: Record<string, Record<string, Json>>;
  components?: { schemas?: Record<string, Json> };
}

const READ_ONLY = /^(get|list|verify|whoami)/;
const DESTRUCTIVE = /^delete/;

export function toolName(operationId: string): string {
  return operationId.replace(/\./g, "_");
}

export function mcpToolsFromOpenApi(doc: OpenApiDoc, kind: McpServerKind): McpToolDef[] {
  const schemas = doc.components?.schemas ?? {};
  const tools: McpToolDef[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const op = item.post as
      | { operationId?: string; summary?: string; description?: string; tags?: string[]; security?: Json[]; requestBody?: Json }
      | undefined;
    if (!op?.operationId) continue;
    // root-key operations only: not the operator's adminKey, the portal session, or unauthenticated ones
    if (!op.security?.some((s) => "rootKey" in s)) continue;
    if (kind === "ratelimits" && !op.tags?.includes("ratelimit")) continue;
    const method = op.operationId.split(".")[1] ?? "";
    const body = (op.requestBody as { content?: Record<string, { schema?: Json }> } | undefined)?.content?.["application/json"]?.schema;
    const input = body ? (inline(body, schemas, new Set()) as Json) : {};
    const readOnly = READ_ONLY.test(method);
    tools.push({
      name: toolName(op.operationId),
      operationId: op.operationId,
      path,
      title: op.summary,
      description: [op.summary, op.description].filter(Boolean).join("\n\n") || op.operationId,
      inputSchema: { ...input, type: "object" },
      annotations: {
        title: op.summary,
        readOnlyHint: readOnly,
        ...(readOnly ? {} : { destructiveHint: DESTRUCTIVE.test(method) }),
        // every tool acts on this workspace's data only
        openWorldHint: false,
      },
    });
  }
  return tools;
}

/** Replaces `#/components/schemas/X` references by the schema itself (MCP clients expect self-contained schemas). */
function inline(node: unknown, schemas: Record<string, Json>, seen: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(n, schemas, seen));
  if (!node || typeof node !== "object") return node;
  const obj = node as Json;
  const ref = typeof obj.$ref === "string" ? obj.$ref : undefined;
  if (ref?.startsWith("#/components/schemas/")) {
    const name = ref.slice("#/components/schemas/".length);
    const target = schemas[name];
    // a recursive schema stays open past its first level rather than looping
    if (!target || seen.has(name)) return {};
    const { $ref: _ref, ...rest } = obj;
    return { ...(inline(target, schemas, new Set([...seen, name])) as Json), ...rest };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) out[k] = inline(v, schemas, seen);
  return out;
}
