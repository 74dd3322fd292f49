import { WorkerEntrypoint } from "cloudflare:workers";
import type { RuntimeLogRow } from "../lib/analytics/messages";
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

/** console.debug → debug, log/info → info, warn → warn, error/exceptions → error. */
export function severityOf(level: string): RuntimeLogRow["severity"] {
  if (level === "debug" || level === "trace") return "debug";
  if (level === "warn") return "warn";
  if (level === "error") return "error";
  return "info";
}

/** One console call's arguments as a line, and a JSON line's fields as attributes. */
export function formatLogLine(parts: unknown[]): { message: string; attributes: string } {
  const message = parts.map((p) => (typeof p === "string" ? p : safeJson(p))).join(" ");
  let attributes = "{}";
  if (parts.length === 1 && parts[0] && typeof parts[0] === "object" && !Array.isArray(parts[0])) attributes = safeJson(parts[0]);
  else if (parts.length === 1 && typeof parts[0] === "string") {
    const t = parts[0].trim();
    if (t.startsWith("{")) {
      try {
        const v = JSON.parse(t);
        if (v && typeof v === "object" && !Array.isArray(v)) attributes = JSON.stringify(v);
      } catch {
        /* a line that only looks like JSON */
      }
    }
  }
  return { message, attributes };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function rowsOfTraceItems(events: Pick<TraceItem, "logs" | "exceptions">[], p: TailProps, now = Date.now()): RuntimeLogRow[] {
  const rows: RuntimeLogRow[] = [];
  const base = {
    workspace_id: p.workspaceId,
    project_id: p.projectId,
    app_id: p.appId,
    environment_id: p.environmentId,
    deployment_id: p.deploymentId,
    region: p.region,
    inserted_at: now,
  };
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

/**
 * CPU time of code deployments' requests, for the gateway request row (cpu_time): the request
 * log waits briefly for the tail of its request. Tail events carry no usable request id (the
 * runtime redacts id-like header values), so a tail is matched only when exactly one request of
 * that deployment is waiting in this isolate; otherwise (concurrent requests, a tail handled by
 * another isolate or later than the wait) cpu_time stays null rather than be attributed wrongly.
 */
const waiting = new Map<string, Map<string, (cpuMs: number) => void>>();

export function cpuTimeOf(deploymentId: string, requestId: string, waitMs = 2000): Promise<number | null> {
  return new Promise((resolve) => {
    let mine = waiting.get(deploymentId);
    if (!mine) waiting.set(deploymentId, (mine = new Map()));
    const done = (cpu: number | null) => {
      clearTimeout(timer);
      mine.delete(requestId);
      if (mine.size === 0) waiting.delete(deploymentId);
      resolve(cpu);
    };
    const timer = setTimeout(() => done(null), waitMs);
    mine.set(requestId, done);
  });
}

function deliverCpuTime(deploymentId: string, events: TraceItem[]) {
  const mine = waiting.get(deploymentId);
  if (!mine || mine.size !== 1 || events.length !== 1) return;
  const [only] = mine.values();
  only!(events[0]!.cpuTime ?? 0);
}

export class RuntimeLogTail extends WorkerEntrypoint<SentinelEnv, TailProps> {
  async tail(events: TraceItem[]) {
    deliverCpuTime(this.ctx.props.deploymentId, events);
    const rows = rowsOfTraceItems(events, this.ctx.props);
    if (rows.length) await this.env.API.recordRuntimeLogs(rows);
  }
}
