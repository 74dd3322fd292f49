import type { Context } from "hono";
import type { BatchItem } from "drizzle-orm/batch";
import type { AppEnv } from "./env";
import { db, schema } from "./db";
import { newId } from "./ids";
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
  const remoteIp = c.req.header("cf-connecting-ip") ?? c.req.header("x-forwarded-for")?.split(",")[0]?.trim() ?? null;
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
