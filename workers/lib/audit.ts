import type { BatchItem } from "drizzle-orm/batch";
import { SQL, sql } from "drizzle-orm";
import { rawStatement, schema, type Database } from "./db";
import { newId } from "./ids";
import type { AuditTarget } from "../../schema/audit";
import type { RequestScope } from "./scope";

/**
 * Audit events are inserted in the same D1 batch as the change they record, so a mutation and
 * its log entry land together or not at all. Every audit row is written by `auditStatement`
 * (named columns of schema.auditLogs); the helpers below only say where the facts come from.
 */
export interface AuditEvent {
  event: string;
  description: string;
  targets: AuditTarget[];
  meta?: Record<string, unknown>;
}

export interface Actor {
  type: "rootkey" | "system" | "portalEndUser" | "operator";
  id: string;
  name?: string | null;
  meta?: Record<string, unknown>;
}

type Stmt = BatchItem<"sqlite">;

/** The actor of the current request: its root key, else the operator (ADMIN_KEY). */
export function actorOf(scope: Pick<RequestScope, "actor">): Actor {
  const a = scope.actor;
  if (a.kind === "rootKey") return { type: "rootkey", id: a.rootKey.id, name: a.rootKey.name };
  return { type: "operator", id: "admin", name: "ADMIN_KEY" };
}

/** A column's value: a bound parameter, or an SQL expression evaluated per selected row. */
type Value<T> = T | SQL;

/** One audit row. JSON columns (targets, meta, actor meta) take objects or SQL producing JSON text. */
export interface AuditRow {
  workspaceId: string;
  event: string;
  description: Value<string>;
  targets: Value<AuditTarget[]>;
  meta?: Value<Record<string, unknown>> | null;
  actor: Actor;
  remoteIp: string | null;
  userAgent: string | null;
  correlationId?: string | null;
  /** default: a new `log_` id; an SQL expression when one statement writes many rows */
  id?: Value<string>;
  time?: number;
}

const t = schema.auditLogs;
const json = (v: unknown) => (v === undefined || v === null ? null : v instanceof SQL ? v : JSON.stringify(v));

/**
 * The one writer of audit rows: `INSERT INTO audit_logs (named columns) SELECT …`, for the
 * caller's batch. With `from`, one row per row of `from`; with `where`, only rows (or the one
 * row) for which it holds, e.g. "our insert won" for find-or-create writes. bucket and source
 * take their column defaults.
 */
export function auditStatement(d: Database, row: AuditRow, o: { from?: SQL; where?: SQL } = {}): Stmt {
  const columns: [{ name: string }, unknown][] = [
    [t.id, row.id ?? newId("log")],
    [t.workspaceId, row.workspaceId],
    [t.event, row.event],
    [t.time, row.time ?? Date.now()],
    [t.description, row.description],
    [t.actorType, row.actor.type],
    [t.actorId, row.actor.id],
    [t.actorName, row.actor.name ?? null],
    [t.actorMeta, json(row.actor.meta)],
    [t.remoteIp, row.remoteIp],
    [t.userAgent, row.userAgent],
    [t.meta, json(row.meta)],
    [t.targets, json(row.targets)],
    [t.correlationId, row.correlationId ?? null],
  ];
  const names = sql.join(
    columns.map(([c]) => sql.identifier(c.name)),
    sql`, `,
  );
  const values = sql.join(
    columns.map(([, v]) => (v instanceof SQL ? v : sql`${v}`)),
    sql`, `,
  );
  return rawStatement(
    d,
    sql`INSERT INTO audit_logs (${names})
    SELECT ${values}${o.from ? sql` FROM ${o.from}` : sql``}${o.where ? sql` WHERE ${o.where}` : sql``}`,
  );
}

/** Audit statements as SQL text and parameters, for a writer outside drizzle (the UsageLimiter runs them in its own write). */
export function auditQueries(stmts: Stmt[]): { sql: string; params: unknown[] }[] {
  return stmts.map((s) => (s as unknown as { getQuery(): { sql: string; params: unknown[] } }).getQuery());
}

/** Who and from where, as the current request tells it. */
function facts(scope: RequestScope, actor: Actor) {
  return { actor, remoteIp: scope.callerIp, userAgent: scope.userAgent };
}

/** One row per event of this request; several events share a correlation id. */
export function auditInserts(scope: RequestScope, workspaceId: string, events: AuditEvent[], actor: Actor = actorOf(scope)): Stmt[] {
  const time = Date.now();
  const correlationId = events.length > 1 ? newId("cor") : null;
  return events.map((e) => auditStatement(scope.db, { workspaceId, time, correlationId, ...e, ...facts(scope, actor) }));
}

/**
 * One audit insert that only lands if `condition` (an SQL boolean) holds when the batch runs.
 * For find-or-create writes (`INSERT … ON CONFLICT DO NOTHING`): pass "our new row exists" so
 * only the request whose insert won records the `*.create` event.
 */
export function auditInsertWhen(scope: RequestScope, workspaceId: string, e: AuditEvent, condition: SQL, actor: Actor = actorOf(scope)): Stmt {
  return auditStatement(scope.db, { workspaceId, ...e, ...facts(scope, actor) }, { where: condition });
}

/**
 * An audit event per row of `from` matching `where`, so a list of any length costs one
 * statement. Ids are random (`log_` + 32 hex chars).
 */
export function bulkAudit(
  scope: RequestScope,
  d: Database,
  workspaceId: string,
  o: { event: string; description: SQL; targets: SQL; from: SQL; where: SQL },
): Stmt {
  return auditStatement(
    d,
    {
      id: sql`'log_' || lower(hex(randomblob(16)))`,
      workspaceId,
      event: o.event,
      description: o.description,
      targets: o.targets,
      ...facts(scope, actorOf(scope)),
    },
    { from: o.from, where: o.where },
  );
}
