import { compact, z } from "../../route";
import type { schema } from "../../../lib/db";

/** One audit event as the read API returns it (our extension; fields of §2.1 in camelCase). */
export const AuditLog = z
  .object({
    id: z.string().openapi({ description: "Event id (`log_…`)." }),
    time: z.number().int().openapi({ description: "Unix ms of the mutation." }),
    workspaceId: z.string(),
    bucket: z.string().openapi({ description: "Log namespace; platform events use `unkey_mutations`." }),
    source: z.string().openapi({ description: "`platform` for events the platform wrote." }),
    event: z.string().openapi({ description: "Event type such as `key.create` or `api.delete`." }),
    description: z.string(),
    actor: z.object({
      type: z.string().openapi({ description: "`rootkey`, `operator`, `system` or `portalEndUser`." }),
      id: z.string(),
      name: z.string().optional(),
      meta: z.record(z.string(), z.unknown()).optional(),
    }),
    location: z.string().optional().openapi({ description: "IP address of the caller." }),
    userAgent: z.string().optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
    targets: z.array(
      z.object({
        type: z.string(),
        id: z.string(),
        name: z.string().optional(),
        meta: z.record(z.string(), z.unknown()).optional(),
      }),
    ),
    correlationId: z.string().optional().openapi({ description: "Shared by the events of one action (`cor_…`)." }),
  })
  .openapi("AuditLog");

export function toAuditLog(r: typeof schema.auditLogs.$inferSelect): z.infer<typeof AuditLog> {
  return compact({
    id: r.id,
    time: r.time,
    workspaceId: r.workspaceId,
    bucket: r.bucket,
    source: r.source,
    event: r.event,
    description: r.description,
    actor: compact({ type: r.actorType, id: r.actorId, name: r.actorName, meta: r.actorMeta ?? undefined }),
    location: r.remoteIp,
    userAgent: r.userAgent,
    meta: r.meta ?? undefined,
    targets: (r.targets ?? []).map((t) => compact({ type: t.type, id: t.id, name: t.name, meta: t.meta ?? undefined })),
    correlationId: r.correlationId,
  });
}

export const READ_AUDIT_LOGS = "workspace.*.read_audit_logs";
