import type { Context } from "hono";
import type { BatchItem } from "drizzle-orm/batch";
import { sql, type SQL } from "drizzle-orm";
import type { AppEnv } from "./env";
import { db, rawStatement, schema } from "./db";
import { newId } from "./ids";
import { clientIp } from "./clientIp";
import type { AuditTarget } from "../../schema/audit";

/**
 * Audit events are inserted in the same D1 batch as the change they record, so a mutation and
 * its log entry land together or not at all.
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

/** The actor of the current request: its root key, else the operator (ADMIN_KEY). */
export function actorOf(c: Context<AppEnv>): Actor {
  const root = c.get("rootKey");
  if (root) return { type: "rootkey", id: root.id, name: root.name };
  return { type: "operator", id: "admin", name: "ADMIN_KEY" };
}

export function auditInserts(
  c: Context<AppEnv>,
  workspaceId: string,
  events: AuditEvent[],
  actor: Actor = actorOf(c),
): BatchItem<"sqlite">[] {
  const time = Date.now();
  const correlationId = events.length > 1 ? newId("cor") : null;
  const remoteIp = clientIp(c.req.raw, c.env);
  const userAgent = c.req.header("user-agent") ?? null;
  return events.map((e) =>
    db(c.env.DB)
      .insert(schema.auditLogs)
      .values({
        id: newId("log"),
        workspaceId,
        event: e.event,
        time,
        description: e.description,
        actorType: actor.type,
        actorId: actor.id,
        actorName: actor.name ?? null,
        actorMeta: actor.meta ?? null,
        remoteIp,
        userAgent,
        meta: e.meta ?? null,
        targets: e.targets,
        correlationId,
      }),
  );
}

/**
 * One audit insert that only lands if `condition` (an SQL boolean) holds when the batch runs.
 * For find-or-create writes (`INSERT … ON CONFLICT DO NOTHING`): pass "our new row exists" so
 * only the request whose insert won records the `*.create` event.
 */
export function auditInsertWhen(
  c: Context<AppEnv>,
  workspaceId: string,
  e: AuditEvent,
  condition: SQL,
  actor: Actor = actorOf(c),
): BatchItem<"sqlite"> {
  const remoteIp = clientIp(c.req.raw, c.env);
  const userAgent = c.req.header("user-agent") ?? null;
  const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
  return rawStatement(db(c.env.DB), sql`INSERT INTO audit_logs
    (id, workspace_id, event, time, description, actor_type, actor_id, actor_name, actor_meta, remote_ip, user_agent, meta, targets, correlation_id)
    SELECT ${newId("log")}, ${workspaceId}, ${e.event}, ${Date.now()}, ${e.description}, ${actor.type}, ${actor.id},
      ${actor.name ?? null}, ${json(actor.meta)}, ${remoteIp}, ${userAgent}, ${json(e.meta)}, ${JSON.stringify(e.targets)}, ${null}
    WHERE ${condition}`);
}
