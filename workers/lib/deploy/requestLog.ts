import { defineTableSet } from "../analytics/sql/tables";

/**
 * Gateway request log rows (sentinel-deploy §4.1). The Sentinel builds a row per proxied
 * request and hands it to the API Worker (ApiEntrypoint.recordGatewayRequests), which ships it
 * through the analytics Queue; the consumer writes it to `gateway_requests_v1` exactly once
 * (INSERT OR IGNORE by request id). analytics.getGatewayRequests queries that table.
 */
export interface GatewayRequestRow {
  request_id: string;
  time: number;
  workspace_id: string;
  project_id: string;
  app_id: string;
  environment_id: string;
  deployment_id: string;
  instance_id: string;
  region: string;
  method: string;
  host: string;
  path: string;
  query_string: string;
  /** JSON object name → values */
  query_params: string;
  /** JSON array of "Name: value" */
  request_headers: string;
  request_body: string;
  response_status: number;
  response_headers: string;
  response_body: string;
  user_agent: string;
  ip_address: string;
  total_latency: number;
  instance_latency: number;
  gateway_latency: number;
  /** CPU ms of a code deployment's request (the loader tail's cpuTime; 0 locally), null otherwise */
  cpu_time?: number | null;
}

const COLUMNS: (keyof GatewayRequestRow)[] = [
  "request_id", "time", "workspace_id", "project_id", "app_id", "environment_id", "deployment_id", "instance_id", "region",
  "method", "host", "path", "query_string", "query_params", "request_headers", "request_body", "response_status",
  "response_headers", "response_body", "user_agent", "ip_address", "total_latency", "instance_latency", "gateway_latency",
];
const NUMERIC = new Set<keyof GatewayRequestRow>(["time", "response_status", "total_latency", "instance_latency", "gateway_latency"]);

/** Shape check for rows arriving over RPC or the Queue; null when unusable. */
export function parseGatewayRequestRow(v: unknown): GatewayRequestRow | null {
  if (!v || typeof v !== "object") return null;
  const r = v as Record<string, unknown>;
  if (r.cpu_time !== undefined && r.cpu_time !== null && (typeof r.cpu_time !== "number" || !Number.isFinite(r.cpu_time))) return null;
  for (const c of COLUMNS) {
    if (NUMERIC.has(c) ? typeof r[c] !== "number" || !Number.isFinite(r[c]) : typeof r[c] !== "string") return null;
  }
  if (!r.request_id || !r.workspace_id) return null;
  return r as unknown as GatewayRequestRow;
}

export function insertGatewayRequest(d1: D1Database, row: GatewayRequestRow): D1PreparedStatement {
  const sql = `INSERT OR IGNORE INTO gateway_requests_v1 (${COLUMNS.join(", ")}, cpu_time) VALUES (${COLUMNS.map(() => "?").join(", ")}, ?)`;
  const cpu = typeof row.cpu_time === "number" ? Math.trunc(row.cpu_time) : null;
  return d1.prepare(sql).bind(...COLUMNS.map((c) => (NUMERIC.has(c) ? Math.trunc(row[c] as number) : row[c])), cpu);
}

export const REDACTED = "[REDACTED]";
/** Largest body kept in a log row. */
export const MAX_LOGGED_BODY = 1024 * 1024;

/** Headers as "Name: value" lines; Authorization and the key-carrying headers redacted. */
export function headerLines(headers: Headers, redact: Set<string>): string[] {
  const out: string[] = [];
  headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    out.push(`${name}: ${lower === "authorization" || redact.has(lower) ? REDACTED : value}`);
  });
  return out;
}

/** Query string and params with key-carrying params redacted (re-encoded). */
export function redactedQuery(url: URL, redact: Set<string>): { queryString: string; params: Record<string, string[]> } {
  const params: Record<string, string[]> = {};
  const sp = new URLSearchParams();
  for (const [k, v] of url.searchParams) {
    const val = redact.has(k) ? REDACTED : v;
    (params[k] ??= []).push(val);
    sp.append(k, val);
  }
  return { queryString: sp.toString(), params };
}

/**
 * Replaces values of properties marked `x-unkey-redact: true` in the matching schema. Walks
 * the JSON body alongside the schema (properties, items, allOf/anyOf/oneOf); local $refs are
 * resolved against `root`.
 */
export function redactBody(body: unknown, schema: unknown, root: unknown, depth = 0): unknown {
  if (!schema || typeof schema !== "object" || depth > 32) return body;
  const s = resolveRef(schema as Record<string, unknown>, root);
  if (s["x-unkey-redact"] === true) return REDACTED;
  let out = body;
  for (const k of ["allOf", "anyOf", "oneOf"] as const) {
    if (Array.isArray(s[k])) for (const sub of s[k] as unknown[]) out = redactBody(out, sub, root, depth + 1);
  }
  if (Array.isArray(out) && s.items) return out.map((item) => redactBody(item, s.items, root, depth + 1));
  if (out && typeof out === "object" && !Array.isArray(out) && s.properties && typeof s.properties === "object") {
    const copy: Record<string, unknown> = { ...(out as Record<string, unknown>) };
    for (const [name, sub] of Object.entries(s.properties as Record<string, unknown>)) {
      if (name in copy) copy[name] = redactBody(copy[name], sub, root, depth + 1);
    }
    return copy;
  }
  return out;
}

function resolveRef(s: Record<string, unknown>, root: unknown): Record<string, unknown> {
  let cur = s;
  for (let i = 0; i < 16 && typeof cur.$ref === "string" && cur.$ref.startsWith("#/"); i++) {
    let target: unknown = root;
    for (const part of cur.$ref.slice(2).split("/")) {
      const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
      target = target && typeof target === "object" ? (target as Record<string, unknown>)[key] : undefined;
    }
    if (!target || typeof target !== "object") break;
    cur = target as Record<string, unknown>;
  }
  return cur;
}

/** The analytics Queue message carrying one log row (consumed in lib/analytics/consumer). */
export interface GatewayRequestMessage {
  v: 1;
  type: "gateway_request";
  id: string;
  event: GatewayRequestRow;
}

export function gatewayRequestMessage(row: GatewayRequestRow): GatewayRequestMessage {
  return { v: 1, type: "gateway_request", id: `evt_${row.request_id}`, event: row };
}

export function parseGatewayRequestMessage(body: unknown): GatewayRequestMessage | null {
  const m = body as Record<string, unknown> | null;
  if (!m || m.v !== 1 || m.type !== "gateway_request" || typeof m.id !== "string") return null;
  return parseGatewayRequestRow(m.event) ? (m as unknown as GatewayRequestMessage) : null;
}

type Owner = { workspace_id: string; project_id: string; app_id: string; environment_id: string };
const owners = new Map<string, Owner | null>();

/** Who a deployment belongs to (immutable, cached per isolate); request logs and runtime logs check it. */
export async function ownerOf(d1: D1Database, deploymentId: string): Promise<Owner | null> {
  if (owners.has(deploymentId)) return owners.get(deploymentId)!;
  const row = await d1.prepare("SELECT workspace_id, project_id, app_id, environment_id FROM deployments WHERE id = ?1").bind(deploymentId).first<Owner>();
  if (owners.size > 10_000) owners.clear();
  if (row) owners.set(deploymentId, row);
  return row ?? null;
}

/**
 * Sends rows through the analytics Queue (or writes them directly where none is bound). A row
 * is only accepted when its deployment really belongs to the workspace, project, app and
 * environment it names, so no caller of the RPC can write into another workspace's logs.
 */
export async function shipGatewayRequests(env: import("../env").Env, rows: unknown[]): Promise<void> {
  const parsed = (Array.isArray(rows) ? rows.slice(0, 1000) : []).map(parseGatewayRequestRow).filter((r): r is GatewayRequestRow => r !== null);
  const good: GatewayRequestRow[] = [];
  for (const r of parsed) {
    const o = await ownerOf(env.DB, r.deployment_id);
    if (o && o.workspace_id === r.workspace_id && o.project_id === r.project_id && o.app_id === r.app_id && o.environment_id === r.environment_id) good.push(r);
  }
  if (good.length === 0) return;
  const { publish } = await import("../analytics/events");
  await publish(env, good.map(gatewayRequestMessage) as unknown as Parameters<typeof publish>[1]);
}


/** `gateway_requests_v1` for analytics.getGatewayRequests (workspace filter injected). */
export const GATEWAY_REQUESTS = defineTableSet("gatewayRequests", [
  {
    name: "gateway_requests_v1",
    grain: "raw",
    columns: {
      request_id: "string",
      time: "int",
      workspace_id: "string",
      project_id: "string",
      app_id: "string",
      environment_id: "string",
      deployment_id: "string",
      instance_id: "string",
      region: "string",
      method: "string",
      host: "string",
      path: "string",
      query_string: "string",
      query_params: "string",
      request_headers: "array",
      request_body: "string",
      response_status: "int",
      response_headers: "array",
      response_body: "string",
      user_agent: "string",
      ip_address: "string",
      total_latency: "int",
      instance_latency: "int",
      gateway_latency: "int",
      cpu_time: "int",
    },
    workspaceColumn: "workspace_id",
    timeColumn: "time",
    scopeColumns: ["project_id"],
  },
]);
