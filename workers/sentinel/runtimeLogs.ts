import { WorkerEntrypoint } from "cloudflare:workers";
import { formatLogLine, severityOf, type RuntimeLogRow } from "../lib/deploy/runtimeLogs";
import type { SentinelEnv } from "./env";

/**
 * The loader tail of code deployments (workers/sentinel/code.ts): after each invocation of the
 * app, workerd hands this entrypoint the invocation's console.* calls and uncaught exceptions.
 * They become runtime_logs_v1 rows, shipped to the API Worker (ApiEntrypoint.recordRuntimeLogs),
 * which checks the owner and applies the workspace caps. `props` name the deployment; they are
 * set by the Sentinel when it loads the deployment, never by the app.
 */
export interface TailProps {
  deploymentId: string;
  workspaceId: string;
  projectId: string;
  appId: string;
  environmentId: string;
  region: string;
}

export function rowsOfTraceItems(events: TraceItem[], p: TailProps, now = Date.now()): RuntimeLogRow[] {
  const rows: RuntimeLogRow[] = [];
  const base = { workspace_id: p.workspaceId, project_id: p.projectId, app_id: p.appId, environment_id: p.environmentId, deployment_id: p.deploymentId, region: p.region, inserted_at: now };
  for (const ev of events) {
    for (const log of ev.logs ?? []) {
      const { message, attributes } = formatLogLine(Array.isArray(log.message) ? log.message : [log.message]);
      rows.push({ ...base, log_id: crypto.randomUUID(), time: log.timestamp, severity: severityOf(log.level), message, attributes_text: attributes });
    }
    for (const ex of ev.exceptions ?? []) {
      rows.push({
        ...base,
        log_id: crypto.randomUUID(),
        time: ex.timestamp,
        severity: "error",
        message: `Uncaught ${ex.name}: ${ex.message}${(ex as { stack?: string }).stack ? `\n${(ex as { stack?: string }).stack}` : ""}`,
        attributes_text: JSON.stringify({ exception: { name: ex.name, message: ex.message } }),
      });
    }
  }
  return rows;
}

export class RuntimeLogTail extends WorkerEntrypoint<SentinelEnv, TailProps> {
  async tail(events: TraceItem[]) {
    const rows = rowsOfTraceItems(events, this.ctx.props);
    if (rows.length) await this.env.API.recordRuntimeLogs(rows);
  }
}
