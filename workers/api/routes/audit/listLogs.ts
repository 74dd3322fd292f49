import { and, desc, eq, gte, inArray, lt, lte, or, type SQL } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { authorize } from "../../middleware/auth";
import { invalidInput } from "../../../lib/errors";
import { page, defineRoute, z, type App } from "../../route";
import { AuditLog, READ_AUDIT_LOGS, toAuditLog } from "./schemas";

const DAY = 86_400_000;
const ids = z.array(z.string().min(1).max(255)).min(1).max(100);

export const route = defineRoute({
  operationId: "audit.listLogs",
  summary: "List audit log events",
  description:
    "Our extension. Lists the workspace's audit events, newest first, with the dashboard's filters: bucket " +
    "(default `unkey_mutations`), event types, actor ids and root key ids (an event matches when its actor is in " +
    "either list), and a time range in Unix ms or relative (`since`). Events older than the workspace's audit retention are not returned. " +
    "Needs `workspace.*.read_audit_logs`.",
  paginated: true,
  body: z.object({
    bucket: z.string().min(1).max(255).optional().openapi({ description: "Log namespace, `unkey_mutations` by default." }),
    events: ids.optional().openapi({ description: "Only these event types, e.g. `key.create`." }),
    actorIds: ids.optional().openapi({ description: "Only events whose actor has one of these ids." }),
    rootKeyIds: ids.optional().openapi({ description: "Only events performed by these root keys." }),
    startTime: z.number().int().min(0).optional().openapi({ description: "Earliest event time, Unix ms (inclusive)." }),
    endTime: z.number().int().min(0).optional().openapi({ description: "Latest event time, Unix ms (inclusive)." }),
    since: z
      .string()
      .regex(/^[1-9][0-9]{0,5}[mhdw]$/, "a number followed by m, h, d or w, e.g. 24h")
      .optional()
      .openapi({ description: "Relative range ending now, e.g. `30m`, `24h`, `7d`, `2w`; combined with startTime the later bound wins." }),
    limit: z.number().int().min(1).max(200).optional().openapi({ description: "Page size, 50 by default." }),
    cursor: z.string().min(1).max(512).optional().openapi({ description: "`pagination.cursor` of the previous page." }),
  }),
  data: z.array(AuditLog),
});

/** Opaque keyset cursor: the (time, id) of the first event of the next page. */
export function encodeCursor(time: number, id: string) {
  return btoa(`${time}:${id}`).replaceAll("=", "");
}

function decodeCursor(cursor: string): { time: number; id: string } {
  let text: string;
  try {
    text = atob(cursor);
  } catch {
    throw badCursor();
  }
  const i = text.indexOf(":");
  const time = Number(text.slice(0, i));
  const id = text.slice(i + 1);
  if (i <= 0 || !Number.isSafeInteger(time) || !id.startsWith("log_")) throw badCursor();
  return { time, id };
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY };
const sinceMs = (since: string) => Number(since.slice(0, -1)) * UNIT_MS[since.slice(-1)]!;

const badCursor = () => invalidInput("The cursor is invalid.", [{ location: "body.cursor", message: "not a cursor returned by audit.listLogs" }]);

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const root = await authorize(c, READ_AUDIT_LOGS);
    const limit = body.limit ?? 50;
    const oldest = Date.now() - root.workspace.auditRetentionDays * DAY;
    const t = schema.auditLogs;
    const where: (SQL | undefined)[] = [
      eq(t.workspaceId, root.workspaceId),
      eq(t.bucket, body.bucket ?? "unkey_mutations"),
      gte(t.time, Math.max(oldest, body.startTime ?? 0, body.since ? Date.now() - sinceMs(body.since) : 0)),
    ];
    if (body.endTime !== undefined) where.push(lte(t.time, body.endTime));
    if (body.events) where.push(inArray(t.event, body.events));
    if (body.actorIds || body.rootKeyIds) {
      where.push(
        or(
          body.actorIds ? inArray(t.actorId, body.actorIds) : undefined,
          body.rootKeyIds ? and(eq(t.actorType, "rootkey"), inArray(t.actorId, body.rootKeyIds)) : undefined,
        ),
      );
    }
    if (body.cursor) {
      const cur = decodeCursor(body.cursor);
      where.push(or(lt(t.time, cur.time), and(eq(t.time, cur.time), lte(t.id, cur.id))));
    }
    const rows = await db(c.env.DB)
      .select()
      .from(t)
      .where(and(...where))
      .orderBy(desc(t.time), desc(t.id))
      .limit(limit + 1);
    const items = rows.slice(0, limit);
    const next = rows.length > limit ? encodeCursor(rows[limit]!.time, rows[limit]!.id) : undefined;
    return page(c, items.map(toAuditLog), next);
  });
