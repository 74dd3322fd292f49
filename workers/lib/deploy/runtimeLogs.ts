import { publish } from "../analytics/events";
import { parseRuntimeLogRow, type AnalyticsMessageOf, type RuntimeLogRow } from "../analytics/messages";
import { defineTableSet } from "../analytics/sql/tables";
import type { Env } from "../env";
import { ownerOf } from "./requestLog";

/**
 * Runtime logs of code deployments (sentinel-deploy §4.2, docs/deploy.md). The Sentinel's
 * loader tail (workers/sentinel/runtimeLogs.ts) turns every console.* line and uncaught
 * exception into a row and hands it to the API Worker (ApiEntrypoint.recordRuntimeLogs), which
 * checks the row's owner, applies the workspace caps and ships it through the analytics Queue;
 * the consumer writes `runtime_logs_v1` once per log id. analytics.getRuntimeLogs queries it.
 * The row's type: lib/analytics/messages.ts.
 */

/** Caps per workspace (docs/deploy.md "Limits"); Worker vars RUNTIME_LOG_LINES_PER_MINUTE / RUNTIME_LOG_MAX_LINE_BYTES override. */
export const DEFAULT_LOG_LINES_PER_MINUTE = 6000;
export const DEFAULT_LOG_MAX_LINE_BYTES = 16 * 1024;

export function logCaps(env: { RUNTIME_LOG_LINES_PER_MINUTE?: string; RUNTIME_LOG_MAX_LINE_BYTES?: string }) {
  const n = (v: unknown, d: number) => (Number.isFinite(Number(v)) && Number(v) > 0 ? Math.trunc(Number(v)) : d);
  return {
    linesPerMinute: n(env.RUNTIME_LOG_LINES_PER_MINUTE, DEFAULT_LOG_LINES_PER_MINUTE),
    maxLineBytes: n(env.RUNTIME_LOG_MAX_LINE_BYTES, DEFAULT_LOG_MAX_LINE_BYTES),
  };
}

function truncate(s: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(s);
  if (bytes.byteLength <= maxBytes) return s;
  return new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD$/, "") + "…[truncated]";
}

/** Lines accepted per workspace in the current minute, per isolate (an approximate cap, docs/deploy.md). */
const minuteCounts = new Map<string, { minute: number; n: number }>();

function withinRate(workspaceId: string, now: number, perMinute: number): boolean {
  const minute = Math.floor(now / 60_000);
  const c = minuteCounts.get(workspaceId);
  if (!c || c.minute !== minute) {
    if (minuteCounts.size > 10_000) minuteCounts.clear();
    minuteCounts.set(workspaceId, { minute, n: 1 });
    return true;
  }
  c.n++;
  return c.n <= perMinute;
}

/**
 * Owner check (a row must name its deployment's real workspace, project, app and environment),
 * caps (line bytes truncated, lines per minute dropped), then the analytics Queue.
 */
export async function shipRuntimeLogs(env: Env, rows: unknown[]): Promise<void> {
  const caps = logCaps(env);
  const parsed = (Array.isArray(rows) ? rows.slice(0, 1000) : []).map(parseRuntimeLogRow).filter((r): r is RuntimeLogRow => r !== null);
  const good: AnalyticsMessageOf<"runtime_log">[] = [];
  const now = Date.now();
  for (const r of parsed) {
    const o = await ownerOf(env.DB, r.deployment_id);
    if (!o || o.workspace_id !== r.workspace_id || o.project_id !== r.project_id || o.app_id !== r.app_id || o.environment_id !== r.environment_id) continue;
    if (!withinRate(r.workspace_id, now, caps.linesPerMinute)) continue;
    const row = {
      ...r,
      message: truncate(r.message, caps.maxLineBytes),
      attributes_text: r.attributes_text.length > caps.maxLineBytes ? "{}" : r.attributes_text,
    };
    good.push({ v: 1, type: "runtime_log", id: `log_${r.log_id}`, event: row });
  }
  if (good.length === 0) return;
  await publish(env, good);
}

/** `runtime_logs_v1` for analytics.getRuntimeLogs (workspace filter injected). */
export const RUNTIME_LOGS = defineTableSet("runtimeLogs", [
  {
    name: "runtime_logs_v1",
    grain: "raw",
    columns: {
      log_id: "string",
      time: "int",
      inserted_at: "int",
      workspace_id: "string",
      severity: "string",
      message: "string",
      project_id: "string",
      app_id: "string",
      environment_id: "string",
      deployment_id: "string",
      region: "string",
      attributes_text: "string",
    },
    workspaceColumn: "workspace_id",
    timeColumn: "time",
    scopeColumns: ["project_id"],
  },
]);
